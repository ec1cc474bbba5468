import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { canonicalize } from "@gatehouse/tlog/portable";
import { sealAuditEntry, type ActorRef } from "../src/audit/entry";
import { openEntry } from "../src/audit/erasable-fields";
import { chainHash, GENESIS_CHAIN_HASH, leafHash } from "../src/audit/hashing";

type SealArgs = Parameters<typeof sealAuditEntry>[0];

const PREVIOUS = createHash("sha256").update("previous").digest("hex");

function baseArgs(): SealArgs {
  return {
    id: "aud_0123456789abcdefghijkl",
    orgId: "org_0123456789abcdefghijkl",
    seq: 7,
    previousChainHash: PREVIOUS,
    createdAt: new Date("2025-01-02T03:04:05.678Z"),
    entry: {
      type: "action.decided",
      actor: { type: "agent", id: "agt_0123456789abcdefghijkl", delegationChain: ["dlg_0123456789abcdefghijkl"] },
      agentId: "agt_0123456789abcdefghijkl",
      subjectId: "act_0123456789abcdefghijkl",
      data: { status: "executed", metadata: { b: 2, a: 1 } },
    },
    // The first format throughout these tables; the second has its own below.
    format: 1,
  };
}

describe("sealAuditEntry: canonical text", () => {
  test("binds version, id, orgId, seq, type, actor, agentId, subjectId, time and data", () => {
    const args = baseArgs();
    expect(JSON.parse(sealAuditEntry(args).canonical)).toEqual({
      v: 1,
      id: args.id,
      orgId: args.orgId,
      seq: 7,
      type: "action.decided",
      actor: args.entry.actor,
      agentId: args.entry.agentId,
      subjectId: args.entry.subjectId,
      time: "2025-01-02T03:04:05.678Z",
      data: args.entry.data,
    });
  });

  test("is already in RFC 8785 canonical form", () => {
    const { canonical } = sealAuditEntry(baseArgs());
    expect(canonicalize(JSON.parse(canonical))).toBe(canonical);
  });

  test("records absent agentId and subjectId as null", () => {
    const args = baseArgs();
    const sealed = sealAuditEntry({ ...args, entry: { type: "org.created", actor: { type: "system", id: "system" }, data: {} } });
    const parsed = JSON.parse(sealed.canonical) as Record<string, unknown>;
    expect([parsed.agentId, parsed.subjectId, sealed.agentId, sealed.subjectId]).toEqual([null, null, null, null]);
  });

  test("returns the entry fields it sealed", () => {
    const args = baseArgs();
    const sealed = sealAuditEntry(args);
    expect({ id: sealed.id, seq: sealed.seq, type: sealed.type, actor: sealed.actor, createdAt: sealed.createdAt }).toEqual({
      id: args.id,
      seq: args.seq,
      type: args.entry.type,
      actor: args.entry.actor,
      createdAt: args.createdAt,
    });
  });
});

describe("sealAuditEntry: hashes", () => {
  test("leafHash is the RFC 6962 leaf hash of the canonical text", () => {
    const sealed = sealAuditEntry(baseArgs());
    const expected = createHash("sha256").update(Buffer.of(0)).update(sealed.canonical, "utf8").digest("hex");
    expect(sealed.leafHash).toBe(expected);
  });

  test("chainHash is chainHash(previousChainHash, leafHash)", () => {
    const sealed = sealAuditEntry(baseArgs());
    expect(sealed.chainHash).toBe(chainHash(PREVIOUS, sealed.leafHash));
  });

  test("the first entry chains from GENESIS_CHAIN_HASH", () => {
    const sealed = sealAuditEntry({ ...baseArgs(), seq: 0, previousChainHash: GENESIS_CHAIN_HASH });
    expect(sealed.chainHash).toBe(chainHash(GENESIS_CHAIN_HASH, leafHash(sealed.canonical)));
  });

  const otherActor: ActorRef = { type: "member", id: "usr_0123456789abcdefghijkl" };
  test.each<[string, (args: SealArgs) => SealArgs]>([
    ["seq", (a) => ({ ...a, seq: a.seq + 1 })],
    ["id", (a) => ({ ...a, id: "aud_ZZZZZZZZZZZZZZZZZZZZZZ" })],
    ["orgId", (a) => ({ ...a, orgId: "org_ZZZZZZZZZZZZZZZZZZZZZZ" })],
    ["time", (a) => ({ ...a, createdAt: new Date(a.createdAt.getTime() + 1) })],
    ["type", (a) => ({ ...a, entry: { ...a.entry, type: "action.reported" } })],
    ["actor", (a) => ({ ...a, entry: { ...a.entry, actor: otherActor } })],
    ["data", (a) => ({ ...a, entry: { ...a.entry, data: { status: "denied", metadata: { b: 2, a: 1 } } } })],
    ["nested data", (a) => ({ ...a, entry: { ...a.entry, data: { status: "executed", metadata: { b: 2, a: 2 } } } })],
  ])("changing %s changes both the leaf hash and the chain hash", (_field, change) => {
    const before = sealAuditEntry(baseArgs());
    const after = sealAuditEntry(change(baseArgs()));
    expect(after.leafHash).not.toBe(before.leafHash);
    expect(after.chainHash).not.toBe(before.chainHash);
  });

  test("changing the previous chain hash changes the chain hash but not the leaf hash", () => {
    const before = sealAuditEntry(baseArgs());
    const after = sealAuditEntry({ ...baseArgs(), previousChainHash: GENESIS_CHAIN_HASH });
    expect(after.leafHash).toBe(before.leafHash);
    expect(after.chainHash).not.toBe(before.chainHash);
  });

  test("member order inside data does not change the leaf hash", () => {
    const before = sealAuditEntry(baseArgs());
    const args = baseArgs();
    const after = sealAuditEntry({ ...args, entry: { ...args.entry, data: { metadata: { a: 1, b: 2 }, status: "executed" } } });
    expect(after.leafHash).toBe(before.leafHash);
  });
});

describe("sealAuditEntry: the second format (docs/adr/0023-erasure.md)", () => {
  const salts = ["a".repeat(32), "b".repeat(32)];
  const second = (data: Record<string, unknown>) => {
    let n = 0;
    const { format: _first, ...args } = baseArgs();
    return sealAuditEntry({ ...args, entry: { ...args.entry, data }, salt: () => salts[n++ % 2] as string });
  };
  const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

  test("a decision's erasable fields leave `data` and are sealed by their salted digests, computed as the spec states", () => {
    const sealed = second({ status: "executed", metadata: { b: 2, a: 1 }, dataAccessed: [{ type: "email" }] });
    const parsed = JSON.parse(sealed.canonical) as { v: number; data: Record<string, unknown>; sealed: Record<string, string> };
    expect(parsed.v).toBe(2);
    expect(parsed.data).toEqual({ status: "executed" });
    expect(parsed.sealed).toEqual({
      metadata: sha(`gatehouse:field:v1\nmetadata\n${salts[0]}\n{"a":1,"b":2}`),
      dataAccessed: sha(`gatehouse:field:v1\ndataAccessed\n${salts[1]}\n[{"type":"email"}]`),
    });
    expect(sealed.fields).toEqual({ metadata: { canonical: '{"a":1,"b":2}', salt: salts[0] }, dataAccessed: { canonical: '[{"type":"email"}]', salt: salts[1] } });
    expect(canonicalize(JSON.parse(sealed.canonical))).toBe(sealed.canonical);
  });

  test("changing a committed value changes its digest, so the leaf hash; erasing it later changes nothing hashed", () => {
    const before = second({ status: "executed", metadata: { a: 1 } });
    const after = second({ status: "executed", metadata: { a: 2 } });
    expect(after.leafHash).not.toBe(before.leafHash);
    const opened = openEntry(before.canonical, { metadata: { erased: { seq: 99 } } });
    expect(opened).toMatchObject({ data: { status: "executed", metadata: {} }, erased: { metadata: 99 } });
  });

  test("an entry that holds no erasable field, and every other type, keeps the first format", () => {
    expect(JSON.parse(second({ status: "executed" }).canonical).v).toBe(1);
    const { format: _first, ...args } = baseArgs();
    const other = sealAuditEntry({ ...args, entry: { type: "org.renamed", actor: { type: "system", id: "system" }, data: { from: "a", to: "b" } } });
    expect([JSON.parse(other.canonical).v, other.fields]).toEqual([1, undefined]);
  });

  test("openEntry puts the values back as the entry had them", () => {
    const sealed = second({ status: "executed", metadata: { b: [1, "x"], a: { c: null } }, conditionsEvaluated: [] });
    expect(openEntry(sealed.canonical, sealed.fields).data).toEqual({ status: "executed", metadata: { a: { c: null }, b: [1, "x"] }, conditionsEvaluated: [] });
    expect(openEntry(sealed.canonical, sealed.fields).erased).toBeUndefined();
  });
});
