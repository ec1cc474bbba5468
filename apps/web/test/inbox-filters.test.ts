import { describe, expect, it } from "vitest";
import { changesList, DEFAULT_INBOX_FILTERS, inboxFiltersReducer, inboxView, parseApprovalSort } from "../src/lib/use-inbox-filters";

describe("inboxView", () => {
  it("is the server-rendered default view only when pending and unfiltered", () => {
    expect(inboxView(DEFAULT_INBOX_FILTERS, "")).toEqual({ filters: { status: "pending" }, filtered: false, defaultView: true });
    expect(inboxView({ tab: "history", agentId: "" }, "").defaultView).toBe(false);
    expect(inboxView({ tab: "pending", agentId: "agt_1" }, "").defaultView).toBe(false);
    expect(inboxView({ tab: "pending", agentId: "" }, "pr.merge").defaultView).toBe(false);
  });

  it("asks the history tab for every ended approval", () => {
    expect(inboxView({ tab: "history", agentId: "" }, "").filters).toEqual({ status: "decided" });
  });

  it("filters by agent and by the action type as typed, trimmed", () => {
    const view = inboxView({ tab: "pending", agentId: "agt_1" }, "  pr.merge ");
    expect(view.filters).toEqual({ status: "pending", agentId: "agt_1", actionType: "pr.merge" });
    expect(view.filtered).toBe(true);
  });

  it("reads a blank action type as no filter (the list is not emptied by a space)", () => {
    const view = inboxView({ tab: "pending", agentId: "" }, "   ");
    expect(view.filters).toEqual({ status: "pending" });
    expect(view.filtered).toBe(false);
    expect(view.defaultView).toBe(true);
  });
});

describe("the inbox's filter changes", () => {
  it("change what they name and keep the rest", () => {
    const state = [
      { type: "tab", tab: "history" },
      { type: "agent", agentId: "agt_1" },
      { type: "actionType", text: "pr." },
      { type: "sort", sort: "expiring" },
    ] as const;
    expect(state.reduce(inboxFiltersReducer, DEFAULT_INBOX_FILTERS)).toEqual({ tab: "history", agentId: "agt_1", actionType: "pr.", sort: "expiring" });
  });

  it("clear the agent and the action type, and keep the tab and the order", () => {
    const filtered = { tab: "history" as const, agentId: "agt_1", actionType: "pr.merge", sort: "oldest" as const };
    expect(inboxFiltersReducer(filtered, { type: "clear" })).toEqual({ tab: "history", agentId: "", actionType: "", sort: "oldest" });
  });

  it("send the selection back to the top of the list, except a change of order (the open approval stays open)", () => {
    expect(changesList({ type: "tab", tab: "pending" })).toBe(true);
    expect(changesList({ type: "agent", agentId: "" })).toBe(true);
    expect(changesList({ type: "actionType", text: "p" })).toBe(true);
    expect(changesList({ type: "clear" })).toBe(true);
    expect(changesList({ type: "sort", sort: "oldest" })).toBe(false);
  });
});

describe("parseApprovalSort", () => {
  it("takes the orders the menu offers", () => {
    expect(parseApprovalSort("oldest")).toBe("oldest");
    expect(parseApprovalSort("expiring")).toBe("expiring");
    expect(parseApprovalSort("newest")).toBe("newest");
  });
  it("reads anything else as newest first", () => {
    expect(parseApprovalSort("")).toBe("newest");
    expect(parseApprovalSort("Oldest")).toBe("newest");
    expect(parseApprovalSort("toString")).toBe("newest");
    expect(parseApprovalSort("expiring; drop")).toBe("newest");
  });
});
