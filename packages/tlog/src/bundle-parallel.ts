import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BundleVerifier, canonicalSeq, type BundleOptions, type BundleReport } from "./bundle";
import { sealedFieldsProblem } from "./fields";

/**
 * The bundle verifier with its per-entry work — JSON parsing, the leaf hash, the leaf's recorded
 * seq — on worker threads, while this thread keeps the order-dependent part (positions, the tree,
 * checkpoints, signatures). Verdicts are identical to `verifyBundle`: workers only pre-check
 * entry lines, and anything they do not handle (keys, checkpoints, entries with proofs) goes
 * through the sequential verifier unchanged. Batches are answered in the order they were sent.
 *
 * The worker is plain JavaScript in a string so it runs the same under node, tsx and test runners;
 * it embeds `canonicalSeq` and `sealedFieldsProblem` from the sequential verifier rather than copies.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { hash } = require("node:crypto");
let scratch = Buffer.alloc(64 * 1024);
const canonicalSeq = ${canonicalSeq.toString()};
const sealedFieldsProblem = ${sealedFieldsProblem.toString()};
const sha256Hex = (text) => hash("sha256", text, "hex");
parentPort.on("message", ({ id, bytes }) => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kinds = []; const seqs = []; const leaves = []; const errors = [];
  let start = 0;
  for (let nl = buffer.indexOf(10); nl >= 0; nl = buffer.indexOf(10, start)) {
    const i = kinds.length;
    if (nl === start) { kinds.push(3); start = nl + 1; continue; }
    if (buffer[start + 9] !== 101 || buffer.toString("latin1", start, start + 15) !== '{"type":"entry"') { kinds.push(1); start = nl + 1; continue; }
    let record;
    try { record = JSON.parse(buffer.toString("utf8", start, nl)); } catch { kinds.push(1); start = nl + 1; continue; }
    start = nl + 1;
    const { seq, canonical, leafHash } = record;
    if (record.type !== "entry" || record.proof !== undefined || typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0 || typeof canonical !== "string" || typeof leafHash !== "string") { kinds.push(1); continue; }
    if (1 + canonical.length * 3 > scratch.length) scratch = Buffer.alloc(Math.max(1 + canonical.length * 3, scratch.length * 2));
    scratch[0] = 0;
    const leaf = hash("sha256", scratch.subarray(0, 1 + scratch.write(canonical, 1, "utf8")), "buffer");
    if (leaf.toString("hex") !== leafHash) { kinds.push(2); errors.push({ i, seq, problem: "entry " + seq + ": its leaf hash does not match its canonical text (the entry was edited)" }); continue; }
    const stated = canonicalSeq(canonical);
    if (stated !== seq) { kinds.push(2); errors.push({ i, seq: stated === null ? seq : Math.min(seq, stated), problem: "entry " + seq + ": its canonical text records seq " + stated + " (entries were moved, inserted or removed)" }); continue; }
    const fieldProblem = sealedFieldsProblem(seq, canonical, record.fields, record.erased, sha256Hex);
    if (fieldProblem !== null) { kinds.push(2); errors.push({ i, seq, problem: fieldProblem }); continue; }
    kinds.push(0); seqs.push(seq); leaves.push(leaf);
  }
  const out = { id, kinds: Uint8Array.from(kinds), seqs: Float64Array.from(seqs), leaves: Buffer.concat(leaves), errors };
  parentPort.postMessage(out, [out.kinds.buffer, out.seqs.buffer]);
});
`;

interface BatchResult {
  id: number;
  kinds: Uint8Array;
  seqs: Float64Array;
  leaves: Uint8Array;
  errors: Array<{ i: number; seq: number; problem: string }>;
}

const BATCH_BYTES = 1 << 20;

export interface ParallelBundleOptions extends BundleOptions {
  /** Worker threads; default: one per core beyond the first, at least one, at most four. */
  workers?: number;
}

/** `verifyBundle` for large byte streams (a file), using worker threads. */
export async function verifyBundleParallel(source: AsyncIterable<Uint8Array | string>, options: ParallelBundleOptions = {}): Promise<BundleReport> {
  const verifier = new BundleVerifier(options);
  const count = options.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  const workers = Array.from({ length: count }, () => new Worker(WORKER_SOURCE, { eval: true }));
  const waiting = new Map<number, { resolve: (result: BatchResult) => void; reject: (error: unknown) => void }>();
  for (const worker of workers) {
    worker.on("message", (result: BatchResult) => waiting.get(result.id)?.resolve(result));
    worker.on("error", (error) => {
      for (const batch of waiting.values()) batch.reject(error);
    });
  }
  const inFlight: Array<{ bytes: Buffer; result: Promise<BatchResult> }> = [];
  let nextId = 0;
  const send = (bytes: Buffer) => {
    const id = nextId++;
    const result = new Promise<BatchResult>((resolve, reject) => waiting.set(id, { resolve, reject }));
    (workers[id % workers.length] as Worker).postMessage({ id, bytes });
    inFlight.push({ bytes, result });
  };
  const settle = async () => {
    const batch = inFlight.shift() as { bytes: Buffer; result: Promise<BatchResult> };
    const result = await batch.result;
    waiting.delete(result.id);
    apply(verifier, batch.bytes, result);
  };

  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of source) {
      if (verifier.failed) break;
      pending.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      pendingBytes += (pending[pending.length - 1] as Buffer).length;
      if (pendingBytes < BATCH_BYTES) continue;
      const joined = Buffer.concat(pending);
      const cut = joined.lastIndexOf(10) + 1;
      if (cut === 0) continue;
      send(joined.subarray(0, cut));
      pending = [joined.subarray(cut)];
      pendingBytes = joined.length - cut;
      while (inFlight.length > 2 * workers.length) await settle();
    }
    const tail = Buffer.concat(pending);
    if (!verifier.failed && tail.length > 0) send(tail[tail.length - 1] === 10 ? tail : Buffer.concat([tail, Buffer.of(10)]));
    while (inFlight.length > 0) await settle();
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return verifier.finish();
}

function apply(verifier: BundleVerifier, bytes: Buffer, result: BatchResult): void {
  let start = 0;
  let entry = 0;
  let error = 0;
  for (let i = 0; i < result.kinds.length; i += 1) {
    if (verifier.failed) return;
    const nl = bytes.indexOf(10, start);
    switch (result.kinds[i]) {
      case 0:
        verifier.addCheckedEntry(result.seqs[entry] as number, Buffer.from(result.leaves.buffer, result.leaves.byteOffset + 32 * entry, 32));
        entry += 1;
        break;
      case 2: {
        const problem = result.errors[error++] as { seq: number; problem: string };
        verifier.failLine(problem.problem, problem.seq);
        break;
      }
      case 3:
        verifier.line("");
        break;
      default:
        verifier.line(bytes.toString("utf8", start, nl));
    }
    start = nl + 1;
  }
}
