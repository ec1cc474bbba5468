// Child of bench/audit.ts: times inclusion proofs in a fresh process (a server's, not the heap the
// benchmark filled the log with). Args: orgId treeSize rootHash. Prints the summary as JSON.
import { closeSignals, disconnectDb, getAuditProof, systemCtx } from "@gatehouse/db";
import { summarize } from "./lib";

const [orgId = "", sizeText = "", rootHash = ""] = process.argv.slice(2);
const size = Number(sizeText);
const ctx = systemCtx({ id: orgId, slug: "bench", name: "bench" }, "bench");
const times: number[] = [];
for (let i = 0; i < 1_200; i += 1) {
  const seq = Math.floor(Math.random() * size);
  const start = process.hrtime.bigint();
  const proof = await getAuditProof({ ctx, input: { seq, treeSize: size } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (proof.type !== "inclusion" || proof.rootHash !== rootHash) throw new Error("proof root differs from the checkpoint");
  if (i >= 200) times.push(ms); // the first 200 warm the process up
}
console.log(JSON.stringify(summarize(times)));
await disconnectDb();
await closeSignals();
