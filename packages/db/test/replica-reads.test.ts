import { afterAll, describe, expect, it } from "vitest";
import { createDb, db } from "../src/infra/client";
import { readDb, ReplicaReads, walPosition, withReplicaReads, writePosition } from "../src/infra/replica";
import { freePort, testDatabaseUrl } from "../src/testing";

// Reads from a replica (issue 43; docs/deploying.md): what keeps a server that is not a usable replica from serving
// page reads. A real standby, paused and resumed, is apps/api/test/faults/replica.test.ts.

const started: ReplicaReads[] = [];
afterAll(async () => {
  for (const reads of started) await reads.stop();
});

function replicaAt(url: string): ReplicaReads {
  const reads = new ReplicaReads(db().pool, createDb({ url, poolSize: 1, connectTimeoutMs: 500 }), 2_000, 100);
  started.push(reads);
  return reads;
}

describe("WAL positions", () => {
  it("reads PostgreSQL's form as bytes, in order, and nothing else", () => {
    expect(walPosition("0/0")).toBe(0n);
    expect(walPosition("16/B374D848")).toBe((0x16n << 32n) + 0xb374d848n);
    expect((walPosition("1/0") ?? 0n) > (walPosition("0/FFFFFFFF") ?? 0n)).toBe(true);
    for (const junk of ["", "16", "16/", "/1", "1/2/3", "G/1", "123456789/1", "1/123456789", "0/0; DROP TABLE x", " 0/0"]) {
      expect(walPosition(junk), junk).toBeNull();
    }
    expect(walPosition(null)).toBeNull();
  });
});

describe("a server that cannot serve page reads", () => {
  it("a primary named as the replica (not in recovery) is never used, and says why", async () => {
    const reads = replicaAt(testDatabaseUrl());
    await reads.check();
    const status = reads.status();
    expect(status.usable).toBe(false);
    expect(status.reason).toMatch(/not a standby/);
    expect(reads.forRead(null)).toBeNull();
    expect(reads.status().reads).toEqual({ replica: 0, primary: 1 });
  });

  it("a replica nobody answers at is not used, and its lag is unknown", async () => {
    const reads = replicaAt(`postgresql://postgres@127.0.0.1:${await freePort()}/postgres`);
    await reads.check();
    expect(reads.status()).toMatchObject({ usable: false, lagMs: null });
    expect(reads.status().reason).toMatch(/not reachable/);
    expect(reads.forRead(null)).toBeNull();
  });

  it("without DATABASE_REPLICA_URL every read is the primary's, and a write leaves no position to wait for", async () => {
    expect(process.env.DATABASE_REPLICA_URL).toBeUndefined();
    expect(readDb()).toBe(db());
    expect(await withReplicaReads("0/0", async () => readDb())).toBe(db());
    expect(await writePosition()).toBeNull();
  });
});
