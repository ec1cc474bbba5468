import { auditErasureBodySchema, ERASURE_MAX_ENTRIES, ERASURE_SUBJECT_MAX, ERASURE_SUBJECT_MIN } from "@gatehouse/contracts";
import { describe, expect, it } from "vitest";
import { entryResult } from "../src/lib/audit-entry";
import {
  checkErasure,
  erasableFieldsOf,
  erasedByText,
  erasedFieldsOf,
  erasureFieldOf,
  erasureResultText,
  erasureTargetText,
  MAX_ENTRY_IDS,
  parseEntryIds,
  sealedFieldsOf,
  SUBJECT_MAX,
  SUBJECT_MIN,
  type ErasureDraft,
} from "../src/lib/erasure";

const ID = "aud_0123456789abcdefABCDEF";
const OTHER = "aud_ZYXWVUTSRQPONMLKJIHGFE";

const canonical = (fields: Record<string, unknown>) => JSON.stringify({ v: 2, id: ID, seq: 7, type: "action.decided", data: { status: "executed" }, ...fields });

describe("an entry's committed and erased fields", () => {
  const second = canonical({ sealed: { metadata: "a".repeat(64), dataAccessed: "b".repeat(64), conditionsEvaluated: "c".repeat(64) } });

  it("reads the fields a second-format entry committed to by digest", () => {
    expect(sealedFieldsOf({ canonical: second })).toEqual(["conditionsEvaluated", "dataAccessed", "metadata"]);
  });

  it.each([
    ["the first format (values in the hashed text)", JSON.stringify({ v: 1, id: ID, data: { metadata: { email: "jane@example.com" } } })],
    ["no canonical text", ""],
    ["text that is not JSON", "{"],
    ["sealed that is not an object", canonical({ sealed: ["metadata"] })],
    ["sealed null", canonical({ sealed: null })],
  ])("finds nothing to erase in %s", (_name, text) => {
    expect(sealedFieldsOf({ canonical: text })).toEqual([]);
    expect(erasableFieldsOf({ canonical: text, data: { metadata: { email: "jane@example.com" } } })).toEqual([]);
  });

  const data = {
    metadata: { customer: "jane@example.com" },
    dataAccessed: [{ type: "ticket" }],
    conditionsEvaluated: [{ field: "metadata.customer", actual: "jane@example.com" }],
  };

  it("offers the committed fields that hold a value", () => {
    expect(erasableFieldsOf({ canonical: second, data })).toEqual(["conditionsEvaluated", "dataAccessed", "metadata"]);
    expect(erasableFieldsOf({ canonical: second, data: { ...data, dataAccessed: [], conditionsEvaluated: [] } })).toEqual(["metadata"]);
    expect(erasableFieldsOf({ canonical: second, data: { metadata: {} } })).toEqual([]);
  });

  it("leaves out what an owner erased already", () => {
    // An erased field reads as its empty value; `erased` names it even when a value were there.
    expect(erasableFieldsOf({ canonical: second, data, erased: { metadata: 12 } })).toEqual(["conditionsEvaluated", "dataAccessed"]);
    expect(erasableFieldsOf({ canonical: second, data, erased: { metadata: 12, dataAccessed: 12, conditionsEvaluated: 30 } })).toEqual([]);
  });

  it("names each erased field with the seq of its erasure entry", () => {
    expect(erasedFieldsOf({ erased: { metadata: 12, dataAccessed: 30 } })).toEqual([
      { field: "dataAccessed", seq: 30 },
      { field: "metadata", seq: 12 },
    ]);
    expect(erasedFieldsOf({})).toEqual([]);
    expect(erasedFieldsOf({ erased: { metadata: Number.NaN } })).toEqual([]);
    expect(erasedByText(1204)).toBe("erased by entry #1204");
  });

  it("says what an erasure entry records", () => {
    expect(
      entryResult({ type: "audit.erased", actorType: "member", actorId: "mem_1", agentId: null, data: { entries: [{ seq: 7, fields: ["metadata"] }], reason: "request #88" } }),
    ).toMatchObject({
      label: "erased",
      tone: "neutral",
    });
  });
});

describe("parseEntryIds", () => {
  it.each([
    [ID, [ID]],
    [` ${ID} `, [ID]],
    [`${ID}, ${OTHER}`, [ID, OTHER]],
    [`${ID}\n${OTHER}\n${ID}`, [ID, OTHER]],
    ["", []],
    [" , ", []],
  ])("%j → %j", (text, ids) => {
    expect(parseEntryIds(text)).toEqual(ids);
  });
});

describe("checkErasure", () => {
  const refused: Array<[string, ErasureDraft, Record<string, string>]> = [
    ["no reason", { target: "subject", subject: "jane@example.com", reason: "  " }, { reason: "is required" }],
    ["a reason over 1,000 characters", { target: "subject", subject: "jane@example.com", reason: "r".repeat(1001) }, { reason: "must be at most 1000 characters" }],
    ["a subject under 6 characters", { target: "subject", subject: " abcde ", reason: "request #88" }, { subject: "must be at least 6 characters" }],
    ["a subject over 200 characters", { target: "subject", subject: "s".repeat(201), reason: "request #88" }, { subject: "must be at most 200 characters" }],
    ["no entry", { target: "entries", entryIds: " ", reason: "request #88" }, { entryIds: "name at least one entry (aud_…)" }],
    ["an id that is not an entry's", { target: "entries", entryIds: `${ID} apr_123`, reason: "request #88" }, { entryIds: "“apr_123” is not an audit entry id (aud_…)" }],
    [
      "over 1,000 entries",
      { target: "entries", entryIds: Array.from({ length: 1001 }, (_, i) => `aud_${String(i).padStart(22, "0")}`).join(" "), reason: "request #88" },
      { entryIds: "at most 1000 entries at once" },
    ],
    ["both wrong", { target: "subject", subject: "x", reason: "" }, { reason: "is required", subject: "must be at least 6 characters" }],
  ];

  it.each(refused)("refuses %s, naming the field the route names", (_name, draft, fields) => {
    const checked = checkErasure(draft);
    expect(checked).toEqual({ ok: false, fields });
  });

  it.each([
    ["a subject", { target: "subject", subject: " jane@example.com ", reason: " request #88 " } as ErasureDraft, { subject: "jane@example.com", reason: "request #88" }],
    ["one entry", { target: "entries", entryIds: ID, reason: "request #88" } as ErasureDraft, { entryIds: [ID], reason: "request #88" }],
    ["entries, repeated", { target: "entries", entryIds: `${ID},${OTHER} ${ID}`, reason: "request #88" } as ErasureDraft, { entryIds: [ID, OTHER], reason: "request #88" }],
  ])("sends %s as the route's contract takes it", (_name, draft, body) => {
    const checked = checkErasure(draft);
    expect(checked).toEqual({ ok: true, body });
    expect(auditErasureBodySchema.safeParse(body).success).toBe(true);
  });

  it("has the route's bounds", () => {
    expect([SUBJECT_MIN, SUBJECT_MAX, MAX_ENTRY_IDS]).toEqual([ERASURE_SUBJECT_MIN, ERASURE_SUBJECT_MAX, ERASURE_MAX_ENTRIES]);
  });

  it("accepts nothing the route's contract refuses, and refuses what it does", () => {
    const subjects = ["", "ab", "abc", " abc ", "abcde", " abcde ", "abcdef", " abcdef ", "s".repeat(200), "s".repeat(201), "jane@example.com"];
    const reasons = ["", " ", "r", "r".repeat(1000), "r".repeat(1001)];
    for (const subject of subjects) {
      for (const reason of reasons) {
        const checked = checkErasure({ target: "subject", subject, reason });
        const contract = auditErasureBodySchema.safeParse({ subject: subject.trim(), reason });
        expect(checked.ok, JSON.stringify({ subject, reason })).toBe(contract.success);
      }
    }
  });
});

describe("erasureFieldOf", () => {
  it.each([
    ["subject", "subject"],
    ["reason", "reason"],
    ["entryIds", "entryIds"],
    ["entryIds[3]", "entryIds"],
    ["", null],
    ["entryIdsX", null],
  ] as const)("shows a refusal of %j at %j", (path, field) => {
    expect(erasureFieldOf(path)).toBe(field);
  });
});

describe("what the confirmation and the result say", () => {
  it("names the subject as written, or the entries", () => {
    expect(erasureTargetText({ subject: "jane@example.com", reason: "r" })).toBe("every committed field that contains “jane@example.com”, in every entry of the organization");
    expect(erasureTargetText({ entryIds: [ID], reason: "r" })).toBe(`every committed field of entry ${ID}`);
    expect(erasureTargetText({ entryIds: [ID, OTHER], reason: "r" })).toBe("every committed field of 2 entries");
  });

  it("counts what was erased", () => {
    expect(erasureResultText({ status: "erased", erasureEntryId: ID, erasureSeq: 40, entries: 3, fields: 4 }, { subject: "jane@example.com", reason: "r" })).toBe(
      "Erased 4 fields in 3 entries.",
    );
    expect(erasureResultText({ status: "erased", erasureEntryId: ID, erasureSeq: 40, entries: 1, fields: 1 }, { entryIds: [OTHER], reason: "r" })).toBe(
      "Erased 1 field in 1 entry.",
    );
  });

  it("says that nothing is erased yet while a second admin must approve it", () => {
    expect(erasureResultText({ status: "pending_approval", approvalId: "apr_1", entries: 3, fields: 4 }, { subject: "jane@example.com", reason: "r" })).toBe(
      "Nothing is erased yet: the two-admin rule is on, so another owner or admin must approve erasing 4 fields in 3 entries. You cannot approve it yourself.",
    );
  });

  it("says when nothing was left to erase, and that the log is unchanged", () => {
    const none = { status: "erased" as const, erasureEntryId: null, erasureSeq: null, entries: 0, fields: 0 };
    expect(erasureResultText(none, { subject: "jane@example.com", reason: "r" })).toBe(
      "Nothing was erased: no committed field still holds “jane@example.com”. Nothing was written to the log.",
    );
    expect(erasureResultText(none, { entryIds: [ID], reason: "r" })).toMatch(/^Nothing was erased: every committed field of those entries was erased before/);
  });
});
