import type { OrgSettings, PendingSettingsChange } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import {
  fieldMessage,
  initialSettingSection,
  isDirty,
  sameValues,
  settingSectionReducer,
  settingsOutcome,
  type SettingSectionAction,
  type SettingSectionState,
} from "../src/lib/use-setting-section";

type Loops = { enabled: boolean; maxRepeats: string; windowSeconds: string };
const LOOPS: Loops = { enabled: true, maxRepeats: "20", windowSeconds: "60" };

/** The state after `actions`, from a section rendered with `server`. */
const after = (server: Loops, ...actions: Array<SettingSectionAction<Loops>>): SettingSectionState<Loops> =>
  actions.reduce(settingSectionReducer<Loops>, initialSettingSection(server));

describe("a settings section's draft", () => {
  it("starts as the server has it, with nothing to save and nothing said", () => {
    const state = initialSettingSection(LOOPS);
    expect(state.draft).toEqual(LOOPS);
    expect(isDirty(state)).toBe(false);
    expect(state.saved).toBeNull();
  });

  it("is dirty once a field changes, and clean again when the member types the saved value back", () => {
    const edited = after(LOOPS, { type: "edit", change: { maxRepeats: "5" } });
    expect(edited.draft).toEqual({ ...LOOPS, maxRepeats: "5" });
    expect(isDirty(edited)).toBe(true);
    expect(isDirty(settingSectionReducer(edited, { type: "edit", change: { maxRepeats: "20" } }))).toBe(false);
  });

  it("keeps the other fields of an edit made one field at a time", () => {
    const state = after(LOOPS, { type: "edit", change: { maxRepeats: "5" } }, { type: "edit", change: { enabled: false } });
    expect(state.draft).toEqual({ enabled: false, maxRepeats: "5", windowSeconds: "60" });
  });
});

describe("saving a settings section", () => {
  it("clears what the last save said when the next one starts", () => {
    const saved = after(LOOPS, { type: "saved", values: LOOPS, message: "Saved." });
    expect(saved.saved).toBe("Saved.");
    expect(settingSectionReducer(saved, { type: "submit" }).saved).toBeNull();
  });

  it("shows the values as the server saved them (not as typed) and says so; nothing is left to save", () => {
    const state = after(
      LOOPS,
      { type: "edit", change: { maxRepeats: "05" } },
      { type: "submit" },
      { type: "saved", values: { ...LOOPS, maxRepeats: "5" }, message: "Saved. …5 times…" },
    );
    expect(state.draft.maxRepeats).toBe("5");
    expect(state.saved).toBe("Saved. …5 times…");
    expect(isDirty(state)).toBe(false);
  });

  it("keeps the member's choice when the two-admin rule holds the change: it is not applied, so it is still unsaved", () => {
    const state = after(LOOPS, { type: "edit", change: { enabled: false } }, { type: "submit" }, { type: "held", message: "Not applied yet: …" });
    expect(state.draft.enabled).toBe(false);
    expect(state.saved).toBe("Not applied yet: …");
    expect(isDirty(state)).toBe(true);
  });

  it("keeps the saved values when the page renders again with the values it was first rendered with", () => {
    // A save does not render the page again: the next render still passes the old server values.
    const saved = after(LOOPS, { type: "edit", change: { maxRepeats: "5" } }, { type: "saved", values: { ...LOOPS, maxRepeats: "5" }, message: "Saved." });
    const rendered = settingSectionReducer(saved, { type: "server", values: { ...LOOPS } });
    expect(rendered).toBe(saved);
    expect(rendered.draft.maxRepeats).toBe("5");
    expect(isDirty(rendered)).toBe(false);
  });
});

describe("new server values (the page rendered again)", () => {
  it("changes nothing when they are the same values in new objects (each render builds them again)", () => {
    const state = after(LOOPS, { type: "edit", change: { maxRepeats: "7" } });
    expect(settingSectionReducer(state, { type: "server", values: { ...LOOPS } })).toBe(state);
  });

  it("replace the form when the member has not touched it", () => {
    const changed = { ...LOOPS, windowSeconds: "120" };
    const state = after(LOOPS, { type: "server", values: changed });
    expect(state.draft).toEqual(changed);
    expect(isDirty(state)).toBe(false);
  });

  it("keep the member's unsaved edits, now compared with the new values", () => {
    const state = after(LOOPS, { type: "edit", change: { maxRepeats: "5" } }, { type: "server", values: { ...LOOPS, windowSeconds: "120" } });
    expect(state.draft).toEqual({ ...LOOPS, maxRepeats: "5" });
    expect(isDirty(state)).toBe(true);
    // Someone else saved what the member typed: nothing is left to save.
    const same = after(LOOPS, { type: "edit", change: { maxRepeats: "5" } }, { type: "server", values: { ...LOOPS, maxRepeats: "5" } });
    expect(isDirty(same)).toBe(false);
  });

  it("that only repeat what a save answered keep its message", () => {
    const saved = after(LOOPS, { type: "saved", values: { ...LOOPS, enabled: false }, message: "Saved. Repeated calls are not refused…" });
    const refreshed = settingSectionReducer(saved, { type: "server", values: { ...LOOPS, enabled: false } });
    expect(refreshed.saved).toBe("Saved. Repeated calls are not refused…");
    expect(refreshed.draft.enabled).toBe(false);
    expect(refreshed.server.enabled).toBe(false);
  });
});

describe("fieldMessage", () => {
  const fields = { "loops.maxRepeats": "must be at least 1", "signIn.ssoDomains.2": "is a public mail domain" };
  it("reads a refusal at its field, and at the field of a list whose item it names", () => {
    expect(fieldMessage(fields, "loops.maxRepeats")).toBe("must be at least 1");
    expect(fieldMessage(fields, "signIn.ssoDomains")).toBe("is a public mail domain");
  });
  it("names nothing for another field, a field whose name only starts the same, or an object's built-in keys", () => {
    expect(fieldMessage(fields, "loops.windowSeconds")).toBeNull();
    expect(fieldMessage(fields, "loops.max")).toBeNull();
    expect(fieldMessage(fields, "loops")).toBe("must be at least 1");
    expect(fieldMessage(fields, "constructor")).toBeNull();
    expect(fieldMessage({}, "name")).toBeNull();
  });
});

describe("settingsOutcome", () => {
  const read = settingsOutcome(
    (settings) => ({ timeout: String(settings.approvalTimeoutSeconds) }),
    (settings) => `Saved: ${settings.approvalTimeoutSeconds} s.`,
  );
  it("reads an applied save's values and message from the settings now in force", () => {
    expect(read({ approvalTimeoutSeconds: 7200 } as OrgSettings)).toEqual({ values: { timeout: "7200" }, message: "Saved: 7200 s." });
  });
  it("reads a held save as held, naming what it weakens", () => {
    const pending = { status: "pending_approval", weakened: [{ path: "policies.reportOnly" }] } as unknown as PendingSettingsChange;
    const outcome = read(pending);
    expect(outcome).not.toHaveProperty("values");
    expect(outcome).toEqual({ held: expect.stringContaining("Not applied yet: this change weakens enforcement (policies.reportOnly)") });
  });
});

describe("sameValues", () => {
  it("compares plain values by content, whatever the key order", () => {
    expect(sameValues({ a: 1, b: ["x", { c: true }] }, { b: ["x", { c: true }], a: 1 })).toBe(true);
    expect(sameValues("20", "20")).toBe(true);
  });
  it("tells apart what differs anywhere, in type, or in the keys present", () => {
    expect(sameValues({ a: 1, b: ["x", { c: true }] }, { a: 1, b: ["x", { c: false }] })).toBe(false);
    expect(sameValues({ a: "1" }, { a: 1 })).toBe(false);
    expect(sameValues({ a: undefined }, {})).toBe(false);
    expect(sameValues({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValues([], {})).toBe(false);
    expect(sameValues(["a", "b"], ["b", "a"])).toBe(false);
    expect(sameValues(null, {})).toBe(false);
  });
});
