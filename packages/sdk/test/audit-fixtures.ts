/**
 * A small real audit log built with @gatehouse/tlog, as the server builds one: entries with their
 * canonical text and RFC 6962 leaf hash, the tree's nodes, checkpoints signed as C2SP notes, proofs,
 * and the export bundle in the server's line format.
 */
import {
  EMPTY_ROOT,
  TreeBuilder,
  appendToFrontier,
  consistencyProof,
  formatCheckpoint,
  generateSigner,
  hashLeaf,
  inclusionProof,
  signNote,
  sourceOf,
  subtreeHash,
  toHex,
  type NoteSigner,
  type NodeSource,
} from "@gatehouse/tlog";

export const ORIGIN = "gatehouse.test/org_1";

export interface Entry {
  seq: number;
  canonical: string;
  leafHash: string;
}

export interface TestLog {
  entries: Entry[];
  vkey: string;
  signer: NoteSigner;
  /** Hex root of the first `size` entries. */
  root(size: number): string;
  /** The signed checkpoint note of the first `size` entries. */
  note(size: number): string;
  /** The checkpoint object the API answers for `size`. */
  checkpoint(size: number): { treeSize: number; rootHash: string; note: string; keyId: string; createdAt: string };
  inclusion(seq: number, size: number): string[];
  consistency(from: number, to: number): string[];
  /** The JSON Lines bundle of the whole log, with a checkpoint after the last entry of each size in `checkpointsAt`. */
  bundle(checkpointsAt: number[]): string;
}

/** The canonical text of entry `seq`: sorted keys, with its top-level "seq" as the server writes it. */
export function canonical(seq: number, type = "action.executed"): string {
  return JSON.stringify({ data: { actionType: "pr.merge", n: seq }, seq, type });
}

/** A signing key and its verifier key. */
export interface TestKey {
  signer: NoteSigner;
  vkey: string;
}

/** A log of `size` entries whose checkpoints are signed by `key` (default: a new one). `type` varies the entries, to make a fork. */
export function buildLog(size: number, { key = generateSigner(ORIGIN), type }: { key?: TestKey; type?: string } = {}): TestLog {
  const { signer: theSigner, vkey: theVkey } = key;
  const entries = Array.from({ length: size }, (_, seq) => {
    const text = canonical(seq, type);
    return { seq, canonical: text, leafHash: toHex(hashLeaf(text)) };
  });
  const leaves = entries.map((e) => Buffer.from(e.leafHash, "hex"));
  const { nodes } = appendToFrontier([], 0, leaves);
  const source: NodeSource = sourceOf([...leaves.map((hash, index) => ({ level: 0, index, hash })), ...nodes]);
  const rootBytes = (n: number): Buffer => (n === 0 ? EMPTY_ROOT : subtreeHash(0, n, source));
  const note = (n: number): string => signNote(formatCheckpoint(ORIGIN, n, rootBytes(n)), [theSigner]);
  return {
    entries,
    vkey: theVkey,
    signer: theSigner,
    root: (n) => toHex(rootBytes(n)),
    note,
    checkpoint: (n) => ({ treeSize: n, rootHash: toHex(rootBytes(n)), note: note(n), keyId: "sgk_1", createdAt: "2025-06-01T12:00:00.000Z" }),
    inclusion: (seq, n) => inclusionProof(seq, n, source).map(toHex),
    consistency: (from, to) => consistencyProof(from, to, source).map(toHex),
    bundle(checkpointsAt) {
      const line = (value: unknown): string => `${JSON.stringify(value)}\n`;
      const checkpointLines = (n: number): string =>
        checkpointsAt
          .filter((at) => at === n)
          .map((at) => line({ type: "checkpoint", size: at, note: note(at) }))
          .join("");
      let text = line({
        type: "bundle",
        version: 1,
        origin: ORIGIN,
        orgId: "org_1",
        exportedAt: "2025-06-01T12:00:00.000Z",
        treeSize: size,
        rootHash: toHex(rootBytes(size)),
        filter: null,
      });
      text += line({ type: "key", vkey: theVkey, status: "active", createdAt: "2025-06-01T00:00:00.000Z" });
      for (const entry of entries) {
        text += checkpointLines(entry.seq);
        text += line({ type: "entry", seq: entry.seq, canonical: entry.canonical, leafHash: entry.leafHash });
      }
      return text + checkpointLines(size);
    },
  };
}

/** The bundle of a log of `size` entries with one checkpoint at the end, built without keeping the tree: for big logs. */
export function bigBundle(size: number, key: TestKey): string {
  const tree = new TreeBuilder();
  const lines = [JSON.stringify({ type: "bundle", version: 1, origin: ORIGIN, treeSize: size, filter: null }), JSON.stringify({ type: "key", vkey: key.vkey })];
  for (let seq = 0; seq < size; seq++) {
    const text = canonical(seq);
    const leaf = hashLeaf(text);
    tree.push(leaf);
    lines.push(`{"type":"entry","seq":${seq},"canonical":${JSON.stringify(text)},"leafHash":"${toHex(leaf)}"}`);
  }
  lines.push(JSON.stringify({ type: "checkpoint", size, note: signNote(formatCheckpoint(ORIGIN, size, tree.root()), [key.signer]) }));
  return `${lines.join("\n")}\n`;
}
