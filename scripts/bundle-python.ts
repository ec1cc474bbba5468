// What @gatehouse/tlog's bundle verifier answers for the bundles of a log that starts at a later seq (its oldest
// entries dropped under the org's retention, so its bundle carries a start line with the tree's frontier there),
// recorded for the Python SDK's twin: packages/sdk-python/tests/test_bundle_vectors.py holds
// gatehouse.verify.verify_bundle to every report, field for field. It writes
//   packages/sdk-python/tests/fixtures/bundle-vectors.json
// with `npm run openapi`, and `npm run openapi:check` (CI) runs it with --check, which fails when the file is stale:
// a change to the TypeScript verifier's verdicts that is not regenerated fails the check, and one the Python
// verifier does not follow fails its tests.
// The cases: a log of 12 entries with checkpoints at 3, 5, 8, 10 and 12, started at odd and even seqs (with and
// without a checkpoint at the start, and with no entry after it), every rule of the start line broken once, entries
// and frontiers tampered with, checkpoints and saved checkpoints from before the start, unsigned tails.
// Everything is deterministic: the signing key comes from a fixed seed, and Ed25519 signatures are deterministic.
// Run: npx tsx --conditions=@gatehouse/source scripts/bundle-python.ts [--check]
import { createHash, createPublicKey } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { formatCheckpoint, hashLeaf, rawPublicKey, signerFromPkcs8, signNote, toHex, TreeBuilder, verifierKeyString, verifyBundle, type BundleOptions } from "@gatehouse/tlog";

const VECTORS_FILE = "packages/sdk-python/tests/fixtures/bundle-vectors.json";

const ORIGIN = "gatehouse/org_bundlevectors";
// An Ed25519 PKCS#8 key around a seed derived from a fixed phrase: a test key, with no secret to keep.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SIGNER = signerFromPkcs8(ORIGIN, Buffer.concat([PKCS8_PREFIX, createHash("sha256").update("gatehouse bundle vectors").digest()]));
const VKEY = verifierKeyString(ORIGIN, rawPublicKey(createPublicKey(SIGNER.privateKey)));

const N = 12;
const CHECKPOINTS = [3, 5, 8, 10, 12];
const CANONICAL = Array.from({ length: N }, (_, seq) => JSON.stringify({ data: { note: `entry ${seq} ✓` }, id: `aud_${seq}`, seq, type: "test.note", v: 1 }));
const LEAVES = CANONICAL.map((canonical) => hashLeaf(canonical));

function treeAt(size: number): TreeBuilder {
  const tree = new TreeBuilder();
  for (const leaf of LEAVES.slice(0, size)) tree.push(leaf);
  return tree;
}

const note = (size: number, root = treeAt(size).root()) => signNote(formatCheckpoint(ORIGIN, size, root), [SIGNER]);
const entryLine = (seq: number) => JSON.stringify({ type: "entry", seq, canonical: CANONICAL[seq], leafHash: toHex(LEAVES[seq] as Buffer) });
const checkpointLine = (size: number) => JSON.stringify({ type: "checkpoint", note: note(size) });
const frontier = (size: number) => treeAt(size).frontierOf().map(toHex);
const startLine = (size: number, fields: Record<string, unknown> = {}) => JSON.stringify({ type: "start", size, frontier: frontier(size), ...fields });
const header = (fields: Record<string, unknown> = {}) => JSON.stringify({ type: "bundle", version: 1, origin: ORIGIN, treeSize: N, filter: null, ...fields });
const KEY_LINE = JSON.stringify({ type: "key", vkey: VKEY });

/** The whole export of the log whose entries before `start` were dropped (start 0: none dropped, no start line). */
function started(start: number, { checkpoints = CHECKPOINTS, head = header() }: { checkpoints?: number[]; head?: string } = {}): string[] {
  const lines = [head, KEY_LINE];
  if (start > 0) lines.push(startLine(start));
  if (start > 0 && checkpoints.includes(start)) lines.push(checkpointLine(start));
  for (let seq = start; seq < N; seq += 1) {
    lines.push(entryLine(seq));
    if (checkpoints.includes(seq + 1)) lines.push(checkpointLine(seq + 1));
  }
  return lines;
}

const entryAt = (lines: string[], seq: number) => lines.findIndex((line) => line.startsWith(`{"type":"entry","seq":${seq},`));
const replaced = (lines: string[], at: number, line: string) => [...lines.slice(0, at), line, ...lines.slice(at + 1)];
const inserted = (lines: string[], at: number, line: string) => [...lines.slice(0, at), line, ...lines.slice(at)];
/** Line 3 (index 2) of a started bundle is its start line. */
const withStart = (lines: string[], start: Record<string, unknown>) => replaced(lines, 2, JSON.stringify({ type: "start", ...start }));

interface Case {
  name: string;
  lines: string[];
  options: Pick<BundleOptions, "keys" | "since" | "allowUnsigned">;
}

const keys = [VKEY];
const five = started(5);
const eight = started(8);
const seven = started(7);
const edited = (lines: string[], seq: number, change: (record: Record<string, unknown>) => void) => {
  const record = JSON.parse(lines[entryAt(lines, seq)] as string) as Record<string, unknown>;
  change(record);
  return replaced(lines, entryAt(lines, seq), JSON.stringify(record));
};

const CASES: Case[] = [
  { name: "the whole log", lines: started(0), options: { keys } },
  { name: "started at 5, with the checkpoint of size 5", lines: five, options: { keys } },
  { name: "started at 7, no checkpoint at the start", lines: seven, options: { keys } },
  { name: "started at 8, with the checkpoint of size 8", lines: eight, options: { keys } },
  { name: "started at 8, the bundle's own keys", lines: eight, options: {} },
  { name: "started at 12, no entry after the start", lines: started(12), options: { keys } },
  { name: "the entries of a started log without its start line", lines: [...seven.slice(0, 2), ...seven.slice(3)], options: { keys } },
  // Once, before any entry, checkpoint or consistency line.
  { name: "a second start line", lines: inserted(seven, 3, startLine(7)), options: { keys } },
  { name: "a start line after a checkpoint", lines: [...five.slice(0, 2), five[3] as string, five[2] as string, ...five.slice(4)], options: { keys } },
  { name: "a start line after the first entry of a whole log", lines: inserted(started(0), 3, startLine(1)), options: { keys } },
  // Only in a whole bundle.
  { name: "a start line in a bundle whose header names a filter", lines: started(7, { head: header({ filter: { agentId: "agt_x" } }) }), options: { keys } },
  {
    name: "started at 7, then an entry with a proof",
    lines: edited(seven, 7, (record) => (record.proof = { treeSize: 8, hashes: [] })),
    options: { keys },
  },
  // Its size and frontier.
  ...[0, -7, 2.5, "7", true, null, 2 ** 53].map((size) => ({
    name: `a start line of size ${JSON.stringify(size)}`,
    lines: withStart(seven, { size, frontier: frontier(7) }),
    options: { keys },
  })),
  { name: "a start line without a frontier", lines: withStart(seven, { size: 7 }), options: { keys } },
  { name: "a start line whose frontier is uppercase hex", lines: withStart(seven, { size: 7, frontier: frontier(7).map((h) => h.toUpperCase()) }), options: { keys } },
  { name: "a start line of size 7 with two frontier hashes", lines: withStart(seven, { size: 7, frontier: frontier(6) }), options: { keys } },
  { name: "a start line of size 8 with the frontier of size 7", lines: withStart(eight, { size: 8, frontier: frontier(7) }), options: { keys } },
  // The tree resumes at the start, and the entries run from there.
  { name: "started at 7, entry 7 missing", lines: seven.filter((_, i) => i !== entryAt(seven, 7)), options: { keys } },
  { name: "started at 8, a dropped entry put back before it", lines: inserted(eight, 4, entryLine(7)), options: { keys } },
  { name: "started at 7, an entry edited", lines: replaced(seven, entryAt(seven, 8), (seven[entryAt(seven, 8)] as string).replace("entry 8 ", "entry 9 ")), options: { keys } },
  {
    name: "started at 7, an entry edited with its leaf hash recomputed",
    lines: edited(seven, 8, (record) => {
      record.canonical = (record.canonical as string).replace("entry 8 ", "entry 9 ");
      record.leafHash = toHex(hashLeaf(record.canonical as string));
    }),
    options: { keys },
  },
  {
    name: "started at 5, a forged frontier, caught at the checkpoint of size 5",
    lines: withStart(five, { size: 5, frontier: [toHex(treeAt(5).root()), frontier(5)[1]] }),
    options: { keys },
  },
  {
    name: "started at 7, a forged frontier, caught at the first checkpoint",
    lines: withStart(seven, { size: 7, frontier: [...frontier(7).slice(0, 2), "a".repeat(64)] }),
    options: { keys },
  },
  { name: "started at 7, the frontier smallest first", lines: withStart(seven, { size: 7, frontier: frontier(7).reverse() }), options: { keys } },
  // No checkpoint from before the start.
  { name: "started at 7, a checkpoint of size 5 after the start", lines: inserted(seven, 3, checkpointLine(5)), options: { keys } },
  { name: "started at 7, a checkpoint of size 3 at the end", lines: [...seven, checkpointLine(3)], options: { keys } },
  // A saved checkpoint: from before the start it cannot be shown to grow into the bundle; at or after it, it can.
  { name: "started at 7, since the checkpoint of size 5", lines: seven, options: { keys, since: note(5) } },
  { name: "started at 7, since the empty log", lines: seven, options: { keys, since: note(0) } },
  { name: "started at 7, since a checkpoint of size 7 it does not carry", lines: seven, options: { keys, since: note(7) } },
  { name: "started at 8, since the checkpoint of size 8 it carries", lines: eight, options: { keys, since: note(8) } },
  { name: "started at 8, since the checkpoint of size 10", lines: eight, options: { keys, since: note(10) } },
  { name: "started at 7, since a rewritten log of size 7", lines: seven, options: { keys, since: note(7, treeAt(6).root()) } },
  {
    name: "started at 7, since the checkpoint of size 5, with an unsigned tail",
    lines: started(7, { checkpoints: [8], head: header({ treeSize: 8 }) }),
    options: { keys, since: note(5) },
  },
  // The unsigned tail.
  { name: "started at 7, an unsigned tail", lines: started(7, { checkpoints: [8], head: header({ treeSize: 8 }) }), options: { keys } },
  {
    name: "started at 8, signed only at the start, unsigned allowed",
    lines: started(8, { checkpoints: [8], head: header({ treeSize: 8 }) }),
    options: { keys, allowUnsigned: true },
  },
  { name: "started at 7, no checkpoint", lines: started(7, { checkpoints: [] }), options: { keys } },
];

async function bundleVectors(): Promise<string> {
  const cases = [];
  for (const { name, lines, options } of CASES) {
    // The Python verifier takes no witness policy: without one the report's `witnesses` is null, and left out here.
    const { witnesses, ...report } = await verifyBundle(lines.map((line) => `${line}\n`).join(""), options);
    if (witnesses !== null) throw new Error(`${name}: a report without a policy names witnesses`);
    cases.push({ name, lines, options, report });
  }
  const about =
    "What @gatehouse/tlog's bundle verifier reports for bundles of a log that starts at a later seq, for the Python SDK's twin (tests/test_bundle_vectors.py). Generated by scripts/bundle-python.ts (`npm run openapi`): do not edit.";
  return `${JSON.stringify({ about, vkey: VKEY, cases }, null, 2)}\n`;
}

{
  const text = await bundleVectors();
  if (process.argv.includes("--check")) {
    let current: string | null = null;
    try {
      current = readFileSync(VECTORS_FILE, "utf8");
    } catch {
      current = null;
    }
    if (current !== text) {
      console.error(`${VECTORS_FILE} is stale: the TypeScript bundle verifier's verdicts changed. Run \`npm run openapi\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${VECTORS_FILE} matches the TypeScript bundle verifier`);
  } else {
    writeFileSync(VECTORS_FILE, text);
    console.log(`wrote ${VECTORS_FILE}`);
  }
}
