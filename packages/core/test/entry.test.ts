import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { canonicalize } from "../src/audit/canonical-json";
import { sealAuditEntry, type ActorRef } from "../src/audit/entry";
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
