import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AUDIT_ENTRY_TYPE_NAMES } from "../src/audit/entry-types";
import { EVENT_ENTRY_TYPES, EVENT_TYPES, eventOfEntry, type EventEntry } from "../src/events/event-of-entry";
import { eventType } from "../src/events/event-type";
import { EVENT_DEFINITIONS, EVERY_ENTRY_TYPE_DECIDED, NOT_EVENTS } from "../src/events/event-types";

// Partial data and unknown types on purpose: the projection reads only what it needs, and skips what it does not know.
const entry = (type: string, data: Record<string, unknown>, seq = 7): EventEntry =>
  ({ id: "aud_x", seq, type, agentId: "agt_1", time: "2026-01-01T00:00:00.000Z", data }) as unknown as EventEntry;

describe("eventOfEntry", () => {
  it.each([
    ["action.decided", { status: "executed" }, "action.executed"],
    ["action.decided", { status: "denied", denialReason: "NO_POLICY" }, "action.denied"],
    ["action.decided", { status: "requested", approvalId: "apr_1" }, "approval.requested"],
    ["approval.vote", { decision: "approve", approvals: 1, quorum: 2 }, "approval.voted"],
    ["approval.decided", { status: "approved" }, "approval.decided"],
    ["approval.cancelled", { status: "cancelled" }, "approval.decided"],
    ["approval.expired", { status: "expired" }, "approval.expired"],
    ["delegation.created", { delegationId: "dlg_1", capabilities: ["pr.*"] }, "delegation.created"],
    ["delegation.revoked", { delegationId: "dlg_1" }, "delegation.revoked"],
    ["delegation.expired", { delegationId: "dlg_1" }, "delegation.expired"],
    ["agent.circuit_opened", { from: "closed", to: "open", reason: "10 failures in 60 s" }, "enforcement.triggered"],
    ["agent.anomaly_detected", { kind: "call_rate", recent: 60, baseline: 2 }, "anomaly.detected"],
    ["agent.loop_detected", { kind: "repeat", actionType: "tool.search", count: 21, maxRepeats: 20, windowSeconds: 60, source: "org" }, "loop.detected"],
    ["action.postcondition_violated", { policy: "refunds-small", actionType: "refund.issue" }, "postcondition.violated"],
    ["guardrail.triggered", { source: "decision", findings: [] }, "guardrail.triggered"],
    ["budget.threshold", { threshold: 0.8 }, "budget.threshold"],
    ["budget.exceeded", { status: "denied" }, "budget.exceeded"],
  ])("%s %j → %s", (type, data, expected) => {
    expect(eventOfEntry(entry(type, data))?.type).toBe(expected);
  });

  it.each(["policy.version", "agent.halted", "key.issued", "action.outcome"])("%s is not an event", (type) => {
    expect(eventOfEntry(entry(type, { status: "executed" }))).toBeNull();
  });

  it("an automatic halt (the system's) is an enforcement, a member's halt is no event", () => {
    const halt = (actor: { type: string; id: string }) => eventOfEntry({ ...entry("agent.halted", { name: "bot", reason: "anomaly: …" }), actor });
    expect(halt({ type: "system", id: "anomaly-detector" })).toMatchObject({
      type: "enforcement.triggered",
      data: { kind: "agent_halted", reason: "anomaly: …", agentName: "bot", agentId: "agt_1" },
    });
    expect(halt({ type: "member", id: "mbr_1" })).toBeNull();
    expect(eventOfEntry({ ...entry("agent.circuit_opened", { from: "closed", to: "open", reason: "r" }), actor: { type: "system", id: "circuit-breaker" } })?.data).toMatchObject({
      kind: "circuit_opened",
      reason: "r",
    });
  });

  it("a published or archived policy is policy.changed with its name, version and change (not its document)", () => {
    const published = eventOfEntry({
      ...entry("policy.version_published", { policyId: "pol_1", name: "no-deletes", version: 3, contentHash: "ab", document: { name: "no-deletes" } }),
      agentId: null,
    });
    expect(published).toMatchObject({ type: "policy.changed", data: { policyName: "no-deletes", version: 3, change: "published", agentId: null } });
    expect(published?.data).not.toHaveProperty("document");
    const archived = eventOfEntry({ ...entry("policy.archived", { policyId: "pol_1", name: "no-deletes", version: 3 }), agentId: null });
    expect(archived).toMatchObject({ type: "policy.changed", data: { policyName: "no-deletes", version: 3, change: "archived" } });
  });

  it("an anomaly event carries its numbers", () => {
    const data = { kind: "denial_rate", recent: 0.6, baseline: 0.1, multiple: 6, threshold: 3, windowMinutes: 5, agentName: "bot" };
    expect(eventOfEntry(entry("agent.anomaly_detected", data))?.data).toMatchObject(data);
  });

  it("a delegation event carries what was delegated, and a delegate's decision its chain", () => {
    const created = eventOfEntry(entry("delegation.created", { delegationId: "dlg_1", childAgentId: "agt_2", capabilities: ["pr.*"], depth: 1, keyPrefix: "not copied" }));
    expect(created?.data).toMatchObject({ delegationId: "dlg_1", childAgentId: "agt_2", capabilities: ["pr.*"], depth: 1 });
    expect(created?.data).not.toHaveProperty("keyPrefix");
    const chain = { rootAgentId: "agt_1", rootAgentName: "root", depth: 1, chain: ["root", "sub"] };
    expect(eventOfEntry(entry("action.decided", { status: "executed", delegation: chain }))?.data.delegation).toEqual(chain);
  });

  it("carries the sequence number as its id, the entry's time, and the fields a client needs", () => {
    const event = eventOfEntry(
      entry(
        "action.decided",
        { status: "requested", approvalId: "apr_1", actionType: "pr.merge", actionId: "act_1", policy: { name: "review", version: 2 }, metadata: { secret: "not copied" } },
        42,
      ),
    );
    expect(event).toEqual({
      id: "42",
      type: "approval.requested",
      data: {
        seq: 42,
        type: "approval.requested",
        at: "2026-01-01T00:00:00.000Z",
        agentId: "agt_1",
        approvalId: "apr_1",
        actionType: "pr.merge",
        actionId: "act_1",
        status: "requested",
        policyName: "review",
        auditEventId: "aud_x",
      },
    });
  });
});

describe("event types, each one definition", () => {
  const declared = new Set(EVENT_DEFINITIONS.flatMap((definition) => Object.keys(definition.fields)));
  const sources = EVENT_DEFINITIONS.flatMap((definition) => Object.keys(definition.from));

  it("the event types, the entry types the streams read, and the contract's members follow from the definitions", () => {
    expect([...EVENT_TYPES]).toEqual(EVENT_DEFINITIONS.map((definition) => definition.type));
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect([...EVENT_ENTRY_TYPES].sort()).toEqual([...new Set(sources)].sort());
  });

  it("every entry type is either an event's source or named as no event, never both", () => {
    expect(NOT_EVENTS.filter((type) => sources.includes(type))).toEqual([]);
    expect([...new Set([...sources, ...NOT_EVENTS])].sort()).toEqual([...AUDIT_ENTRY_TYPE_NAMES].sort());
    expect(EVERY_ENTRY_TYPE_DECIDED).toBe(true);
  });

  it("a definition names only entry types that exist (a misspelt source does not compile)", () => {
    // @ts-expect-error "action.decide" is no entry type
    const misspelt = eventType({ type: "x.y", from: { "action.decide": true }, fields: {} });
    expect(AUDIT_ENTRY_TYPE_NAMES).not.toContain(Object.keys(misspelt.from)[0]);
  });

  it("a broken post-condition names the decision whose outcome broke it, and its policy", () => {
    const event = eventOfEntry(
      entry("action.postcondition_violated", { actionId: "act_1", auditEventId: "aud_9", actionType: "refund.issue", agentName: "bot", policy: "refunds-small", halted: false }),
    );
    expect(event?.data).toMatchObject({ type: "postcondition.violated", auditEventId: "aud_9", policyName: "refunds-small", agentName: "bot", halted: false });
    expect(event?.data.reason).toMatch(/refunds-small/);
    expect(event?.data).not.toHaveProperty("policy");
  });

  it("a guardrail event names each finding's detector, class and path, and a decision's metadata never travels with it", () => {
    const findings = [{ detector: "email", class: "personalData", path: "metadata.to", action: "flagged" }];
    const fields = { actionId: "act_1", auditEventId: "aud_9", actionType: "mail.send", agentName: "bot", source: "decision", findings };
    const event = eventOfEntry(entry("guardrail.triggered", { ...fields, metadata: { to: "a@b.test" } }));
    expect(event?.data).toEqual({ seq: 7, type: "guardrail.triggered", at: "2026-01-01T00:00:00.000Z", agentId: "agt_1", ...fields });
  });

  it("copies only the fields its own type declares: a decision's findings and budget stay off action events", () => {
    const event = eventOfEntry(
      entry("action.decided", { status: "denied", denialReason: "BUDGET_EXCEEDED", findings: [{ detector: "email" }], budget: { name: "daily" }, threshold: 0.8 }),
    );
    expect(event?.type).toBe("action.denied");
    expect(event?.data).not.toHaveProperty("findings");
    expect(event?.data).not.toHaveProperty("budget");
    expect(event?.data).not.toHaveProperty("threshold");
  });

  // What leaves the log as an event (to every stream reader and webhook receiver) is only what some event
  // type declares: an entry's metadata, a policy's document, a key's prefix never do, whatever the entry holds.
  it("an event carries only its envelope and declared fields, for any entry of any type with any data", () => {
    const value = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.integer(),
      fc.boolean(),
      fc.constantFrom("executed", "denied", "requested", "repeat"),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })),
    );
    const names = fc.oneof(fc.constantFrom(...declared, "metadata", "document", "keyPrefix", "secret", "arguments", "name", "policy", "kind"), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(
        fc.constantFrom(...AUDIT_ENTRY_TYPE_NAMES),
        fc.dictionary(names, value, { maxKeys: 12 }),
        fc.option(fc.constantFrom("system", "member", "agent")),
        (type, data, actor) => {
          const event = eventOfEntry({ ...entry(type, data), ...(actor ? { actor: { type: actor, id: "x" } } : {}) });
          if (event === null) return;
          expect(EVENT_TYPES).toContain(event.type);
          const envelope = new Set(["seq", "type", "at", "agentId"]);
          expect(Object.keys(event.data).filter((key) => !envelope.has(key) && !declared.has(key))).toEqual([]);
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
