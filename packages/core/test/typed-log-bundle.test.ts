import { readFileSync } from "node:fs";
import { verifyBundle } from "@gatehouse/tlog";
import { describe, expect, it } from "vitest";
import { sealAuditEntry, type ActorRef, type AuditEntryInput } from "../src/audit/entry";
import { parseAuditEntryPayload } from "../src/audit/entry-types";
import { GENESIS_CHAIN_HASH } from "../src/audit/hashing";

// A bundle exported by the code before the typed log (main at 8c8c413: an org with policies, decisions
// of every status, an outcome, an approval, a halt and a resume, a rename), kept byte for byte.
const FIXTURE = new URL("./fixtures/bundle-before-typed-log.jsonl", import.meta.url);
const text = readFileSync(FIXTURE, "utf8");
const lines = text
  .trimEnd()
  .split("\n")
  .map((line) => JSON.parse(line) as Record<string, unknown>);
const keys = lines.filter((l) => l.type === "key").map((l) => l.vkey as string);
const entries = lines.filter((l) => l.type === "entry") as Array<{ seq: number; canonical: string; leafHash: string }>;

interface Stored {
  id: string;
  orgId: string;
  seq: number;
  type: string;
  actor: ActorRef;
  agentId: string | null;
  subjectId: string | null;
  time: string;
  data: unknown;
}

describe("a bundle exported before the typed log", () => {
  it("still verifies with its own keys", async () => {
    expect(keys.length).toBeGreaterThan(0);
    expect(await verifyBundle(text, { keys })).toMatchObject({ valid: true });
  });

  it("holds only entries the union describes", () => {
    expect(entries.length).toBeGreaterThan(10);
    const problems = entries.flatMap((e) => {
      const stored = JSON.parse(e.canonical) as Stored;
      const parsed = parseAuditEntryPayload(stored);
      return parsed.ok ? [] : [`#${e.seq}: ${parsed.problem}`];
    });
    expect(problems).toEqual([]);
  });

  it("re-sealed from the typed entries, every canonical text and leaf hash is byte-identical", () => {
    let previous = GENESIS_CHAIN_HASH;
    for (const line of entries) {
      const stored = JSON.parse(line.canonical) as Stored;
      const parsed = parseAuditEntryPayload(stored);
      if (!parsed.ok) throw new Error(parsed.problem);
      const entry: AuditEntryInput = { ...parsed.entry, actor: stored.actor, agentId: stored.agentId, subjectId: stored.subjectId };
      // Entries of the first format (all of this bundle's) re-seal as they were written.
      const sealed = sealAuditEntry({ id: stored.id, orgId: stored.orgId, seq: stored.seq, previousChainHash: previous, createdAt: new Date(stored.time), entry, format: 1 });
      expect({ seq: line.seq, canonical: sealed.canonical, leafHash: sealed.leafHash }).toEqual({ seq: line.seq, canonical: line.canonical, leafHash: line.leafHash });
      previous = sealed.chainHash;
    }
  });
});
