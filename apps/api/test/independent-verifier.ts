import { createHash, createPublicKey, verify } from "node:crypto";

/**
 * An independent check of an audit bundle, written from the public specs alone and sharing no code
 * with packages/tlog or packages/core: RFC 6962 leaf hashes and Merkle tree hashes (§2.1), inclusion
 * proofs of a filtered bundle (RFC 9162 §2.1.3.2), C2SP
 * tlog-checkpoint bodies signed per C2SP signed-note with Ed25519, and the second format's field
 * digests as docs/adr/0023-erasure.md states them. A bundle of a log whose oldest entries were dropped
 * (docs/audit.md, Dropping old months) starts with the tree's frontier at its start S: the perfect
 * subtrees covering [0, S), largest first, which are exactly the left subtrees RFC 6962's MTH reaches
 * there. It answers the first problem, or null.
 */

const sha256 = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();

/** RFC 6962 §2.1 MTH over leaf hashes: split at the largest power of two below n. */
function treeHash(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), treeHash(leaves.slice(0, k)), treeHash(leaves.slice(k)));
}

/** A C2SP verifier key `<name>+<hex key hash>+<base64(0x01 ‖ public key)>` as a Node key. */
function parseKey(vkey: string): { name: string; id: Buffer; key: ReturnType<typeof createPublicKey> } {
  // base64 may hold "+": the name and the hash are the first two parts, the key is the rest.
  const [name, hash, ...rest] = vkey.split("+");
  const data = rest.join("+");
  const raw = Buffer.from(data ?? "", "base64");
  if (!name || !hash || raw[0] !== 1 || raw.length !== 33) throw new Error(`not an Ed25519 verifier key: ${vkey}`);
  // The key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
  const id = sha256(Buffer.from(`${name}\n`), raw).subarray(0, 4);
  if (id.toString("hex") !== hash) throw new Error(`key hash of ${name} does not match`);
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw.subarray(1)]);
  return { name, id, key: createPublicKey({ key: spki, format: "der", type: "spki" }) };
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof of `leaf` at `index` in a tree of `size` leads to, or null. */
function rootFromProof(index: number, size: number, leaf: Buffer, path: Buffer[]): Buffer | null {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
    } else r = sha256(Buffer.from([1]), r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/**
 * MTH(D[0:n]) (RFC 6962 §2.1) over the leaves from `start` on and, below `start`, the frontier: the subtree hashes
 * of the maximal aligned blocks of [0, start), which every split of MTH lands on.
 */
function rootFrom(frontier: ReadonlyMap<string, Buffer>, start: number, leaves: readonly Buffer[], n: number): Buffer {
  const mth = (lo: number, hi: number): Buffer => {
    if (lo >= start) return treeHash(leaves.slice(lo - start, hi - start));
    const block = frontier.get(`${lo}:${hi}`);
    if (block) return block;
    if (hi - lo < 2) throw new Error(`leaf ${lo} is below the start and in no frontier subtree`);
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return sha256(Buffer.from([1]), mth(lo, lo + k), mth(lo + k, hi));
  };
  return n === 0 ? sha256() : mth(0, n);
}

export function independentlyVerify(bundle: string, vkeys: readonly string[]): string | null {
  const keys = vkeys.map(parseKey);
  const leaves: Buffer[] = [];
  /** A start line's size and its frontier's subtrees by the block of leaves each covers ("lo:hi"). */
  let start = 0;
  const frontier = new Map<string, Buffer>();
  /** Roots of the signed checkpoints, by size (a filtered bundle's entries prove themselves against one). */
  const roots = new Map<number, string>();
  let filtered = false;
  let proven = 0;
  let checkpoints = 0;
  for (const line of bundle.split("\n")) {
    if (line.length === 0) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    if (record.type === "bundle") filtered = record.filter !== null && record.filter !== undefined;
    if (record.type === "start") {
      if (filtered || leaves.length > 0 || checkpoints > 0 || start > 0) return "a start line out of place";
      start = record.size as number;
      const hashes = record.frontier as string[];
      // The blocks are the set bits of the start, largest first.
      let lo = 0;
      for (let bit = 52; bit >= 0; bit -= 1) {
        const width = 2 ** bit;
        if (Math.floor(start / width) % 2 === 0) continue;
        const hash = hashes[frontier.size];
        if (hash === undefined) return `the start line of size ${start} has too few frontier hashes`;
        frontier.set(`${lo}:${lo + width}`, Buffer.from(hash, "hex"));
        lo += width;
      }
      if (frontier.size !== hashes.length) return `the start line of size ${start} has too many frontier hashes`;
    }
    if (record.type === "entry") {
      const canonical = record.canonical as string;
      const leaf = sha256(Buffer.from([0]), Buffer.from(canonical, "utf8"));
      if (leaf.toString("hex") !== record.leafHash) return `entry ${String(record.seq)}: leaf hash`;
      const parsed = JSON.parse(canonical) as { v: number; sealed?: Record<string, string> };
      const fields = (record.fields ?? {}) as Record<string, { canonical: string; salt: string }>;
      const erased = (record.erased ?? {}) as Record<string, { seq: number }>;
      for (const [name, digest] of Object.entries(parsed.sealed ?? {})) {
        const value = fields[name];
        if (value) {
          const recomputed = sha256(Buffer.from(`gatehouse:field:v1\n${name}\n${value.salt}\n${value.canonical}`, "utf8")).toString("hex");
          if (recomputed !== digest) return `entry ${String(record.seq)}: field ${name} does not match its digest`;
        } else if (!erased[name]) return `entry ${String(record.seq)}: field ${name} is neither present nor erased`;
      }
      for (const name of [...Object.keys(fields), ...Object.keys(erased)]) if (!parsed.sealed?.[name]) return `entry ${String(record.seq)}: field ${name} was not sealed`;
      if (filtered) {
        const proof = record.proof as { treeSize: number; hashes: string[] } | undefined;
        const root = proof ? roots.get(proof.treeSize) : undefined;
        if (!proof || root === undefined) return `entry ${String(record.seq)}: no proof against a signed checkpoint`;
        const computed = rootFromProof(
          record.seq as number,
          proof.treeSize,
          leaf,
          proof.hashes.map((h) => Buffer.from(h, "hex")),
        );
        if (!computed || computed.toString("base64") !== root) return `entry ${String(record.seq)}: its inclusion proof does not lead to the checkpoint's root`;
        proven += 1;
        continue;
      }
      if (record.seq !== start + leaves.length) return `entry ${String(record.seq)}: out of place`;
      leaves.push(leaf);
    } else if (record.type === "checkpoint") {
      const note = record.note as string;
      const split = note.indexOf("\n\n");
      const body = note.slice(0, split + 1);
      const [, size, root] = body.split("\n");
      const signed = note
        .slice(split + 2)
        .split("\n")
        .filter((l) => l.startsWith("— "))
        .some((l) => {
          const [, name, sig] = l.split(" ");
          const bytes = Buffer.from(sig ?? "", "base64");
          const key = keys.find((k) => k.name === name && k.id.equals(bytes.subarray(0, 4)));
          return key !== undefined && verify(null, Buffer.from(body, "utf8"), key.key, bytes.subarray(4));
        });
      if (!signed) return `checkpoint ${size}: no valid signature by a given key`;
      const n = Number(size);
      roots.set(n, root ?? "");
      checkpoints += 1;
      if (filtered) continue;
      if (n < start) return `checkpoint ${size}: before the log's start (${start})`;
      if (n > start + leaves.length) return `checkpoint ${size}: beyond the entries`;
      if (rootFrom(frontier, start, leaves, n).toString("base64") !== root) return `checkpoint ${size}: root does not match the entries`;
    }
  }
  if (filtered && proven === 0) return "a filtered bundle with no proven entry";
  return checkpoints > 0 ? null : "no checkpoint";
}
