// Child of bench/audit.ts: times inclusion proofs in a fresh process (a server's, not the heap the
// benchmark filled the log with), asked by seq and by entry id, next to the floor: one trivial
// round trip to the same PostgreSQL. Args: orgId treeSize rootHash. Prints the summaries as JSON.
import { closeSignals, db, disconnectDb, getAuditProof, systemCtx } from "@gatehouse/db";
import { summarize } from "./lib";

const [orgId = "", sizeText = "", rootHash = ""] = process.argv.slice(2);
const size = Number(sizeText);
const ctx = systemCtx({ id: orgId, slug: "bench", name: "bench" }, "bench");
const ROUNDS = 1_200;
const WARMUP = 200; // the first rounds warm the process and the pool up

const seqs = Array.from({ length: ROUNDS }, () => Math.floor(Math.random() * size));
const idOf = new Map(
  (await db().pool.query<{ seq: string; id: string }>(`SELECT seq, id FROM audit_entries WHERE org_id = $1 AND seq = ANY($2::bigint[])`, [orgId, seqs.map(String)])).rows.map(
    (r) => [Number(r.seq), r.id],
  ),
);

const bySeq: number[] = [];
const byId: number[] = [];
const floor: number[] = [];
async function time(into: number[], round: number, call: () => Promise<unknown>): Promise<unknown> {
  const start = process.hrtime.bigint();
  const result = await call();
  if (round >= WARMUP) into.push(Number(process.hrtime.bigint() - start) / 1e6);
  return result;
}
for (let round = 0; round < ROUNDS; round += 1) {
  const seq = seqs[round] as number;
  const proofs = [
    await time(bySeq, round, () => getAuditProof({ ctx, input: { seq, treeSize: size } })),
    await time(byId, round, () => getAuditProof({ ctx, input: { entryId: idOf.get(seq), treeSize: size } })),
  ];
  for (const proof of proofs as Awaited<ReturnType<typeof getAuditProof>>[]) {
    if (proof.type !== "inclusion" || proof.seq !== seq || proof.rootHash !== rootHash) throw new Error("proof differs from the checkpoint");
  }
  await time(floor, round, () => db().pool.query("SELECT $1::int AS round", [round]));
}
console.log(JSON.stringify({ bySeq: summarize(bySeq), byId: summarize(byId), roundTrip: summarize(floor) }));
await disconnectDb();
await closeSignals();
