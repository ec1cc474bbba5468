import { describe, expect, it } from "vitest";
import { describeResult } from "../src/actions/action-result";
import { DENIAL_REASON_CODES, DENIAL_REASONS, denialReasonSchema, denialReasonsOf } from "../src/actions/denial-reasons";
import { APPROVAL_DENIAL_REASON } from "../src/approvals/approval-rules";
import { AUDIT_ENTRY_TYPE_NAMES, isEntryOf, parseAuditEntryPayload, type AuditEntryPayload, type AuditEntryType } from "../src/audit/entry-types";
import { EVENT_ENTRY_TYPES } from "../src/events/event-of-entry";
import { POLICY_DENIAL_REASONS } from "../src/policy/replay";

describe("the union of audit entry types", () => {
  it("describes an entry as an append site writes it", () => {
    const parsed = parseAuditEntryPayload({ type: "agent.halted", data: { name: "bot", reason: "too many denials" } });
    expect(parsed).toEqual({ ok: true, entry: { type: "agent.halted", data: { name: "bot", reason: "too many denials" } } });
  });

  it.each([
    ["a type it does not list", { type: "agent.teleported", data: { name: "bot" } }, /entry type 'agent\.teleported' is not in the union/],
    ["a field the type's data does not have", { type: "agent.halted", data: { name: "bot", why: "x" } }, /agent\.halted: data does not match its schema/],
    ["a required field missing", { type: "org.closed", data: {} }, /org\.closed: data does not match its schema \(slug: /],
    ["a field of the wrong kind", { type: "approval.vote_refused", data: { approvalId: "a", actionId: "b", actionType: "c", reason: "bored" } }, /approval\.vote_refused/],
  ])("refuses %s", (_what, entry, problem) => {
    const parsed = parseAuditEntryPayload(entry);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.problem).toMatch(problem);
  });

  describe("content.detector_changed: the pattern and keywords as fingerprints, entries written before still read", () => {
    const base = { detectorId: "d1", change: "created", name: "guard", class: "secrets", checksum: null, enabled: true };
    it.each([
      ["as written now", { ...base, patternFingerprint: "0123456789abcdef", keywordFingerprints: ["fedcba9876543210"] }],
      ["as written before (the texts in clear)", { ...base, pattern: "ZEUS-[0-9]{2}", keywords: ["zeus"] }],
    ])("accepts one %s", (_what, data) => {
      expect(parseAuditEntryPayload({ type: "content.detector_changed", data }).ok).toBe(true);
    });
    it.each([
      ["a fingerprint that is the text", { ...base, patternFingerprint: "ZEUS-[0-9]{2}" }],
      ["a fingerprint of another length", { ...base, patternFingerprint: "0123456789abcdef0" }],
      ["a keyword's fingerprint in clear", { ...base, keywordFingerprints: ["zeus"] }],
    ])("refuses %s", (_what, data) => {
      expect(parseAuditEntryPayload({ type: "content.detector_changed", data }).ok).toBe(false);
    });
  });

  it("the entry types that project to an event are entry types (derived from the event types' definitions: event-of-entry.test.ts)", () => {
    expect(EVENT_ENTRY_TYPES.filter((type) => !AUDIT_ENTRY_TYPE_NAMES.includes(type))).toEqual([]);
    expect(EVENT_ENTRY_TYPES).toContain("action.decided");
  });

  it("narrows on type", () => {
    const entry = { type: "org.renamed", data: { from: "a", to: "b" } } as AuditEntryPayload;
    expect(isEntryOf(entry, "org.renamed") ? entry.data.to : null).toBe("b");
  });

  it("an entry type that is neither an event's source nor in NOT_EVENTS does not compile (events/event-types.ts)", () => {
    type Undecided<Known extends AuditEntryType> = Exclude<AuditEntryType, Known>;
    // @ts-expect-error every entry type but one is undecided
    const decided: [Undecided<"org.created">] extends [never] ? true : false = true;
    expect(decided).toBe(true);
  });
});

describe("the table of denial reasons", () => {
  it("gives each list its phase's codes", () => {
    expect(denialReasonsOf("policy")).toEqual(["NO_POLICY", "CONDITIONS_DENIED", "RATE_LIMITED", "CONDITION_LIMIT", "REWRITE_REFUSED"]);
    expect([...POLICY_DENIAL_REASONS]).toEqual(denialReasonsOf("policy"));
    expect(denialReasonsOf("delegation")).toEqual(["DELEGATION_SCOPE", "DELEGATION_EXPIRED", "DELEGATION_REVOKED"]);
    expect(Object.values(APPROVAL_DENIAL_REASON).every((code) => DENIAL_REASON_CODES.includes(code))).toBe(true);
  });

  it.each(DENIAL_REASON_CODES)("%s has its text in the action result", (code) => {
    expect(describeResult({ status: "denied", denialReason: code })).toBe(`Denied: ${DENIAL_REASONS[code].text}. Do not perform this action.`);
  });

  it("is an open enum on the wire: known codes and any other string", () => {
    expect(denialReasonSchema.parse("NO_POLICY")).toBe("NO_POLICY");
    expect(denialReasonSchema.parse("A_REASON_ADDED_LATER")).toBe("A_REASON_ADDED_LATER");
    expect(denialReasonSchema.safeParse(7).success).toBe(false);
    expect(describeResult({ status: "denied", denialReason: "A_REASON_ADDED_LATER" })).toBe("Denied: A_REASON_ADDED_LATER. Do not perform this action.");
  });
});
