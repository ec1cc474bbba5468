import { hashChildren } from "./hash";

/** Why a proof failed; verifiers answer `{ ok: false, reason }` rather than throwing. */
export type ProofCheck = { ok: true } | { ok: false; reason: string };

const half = (n: number) => Math.floor(n / 2);
const odd = (n: number) => n % 2 === 1;

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * RFC 9162 §2.1.3.2: the root that `proof` yields for `leafHash` at `index` in a tree of `size`,
 * or why no root can come out of it (index outside the tree, proof too short or too long).
 */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Buffer | string {
  if (!isSize(index) || !isSize(size) || index >= size) return `leaf index ${index} is outside a tree of ${size} leaves`;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) return "the proof is longer than the tree is deep";
    if (odd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return "the proof is shorter than the tree is deep";
  return r;
}

export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): ProofCheck {
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (typeof computed === "string") return { ok: false, reason: computed };
  return computed.equals(root) ? { ok: true } : { ok: false, reason: "the proof leads to a different root" };
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `size1` (root1) is a prefix of the tree of `size2` (root2)? */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): ProofCheck {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) return { ok: false, reason: `size ${size1} cannot be a prefix of size ${size2}` };
  if (size1 === size2) {
    if (proof.length > 0) return { ok: false, reason: "equal sizes take an empty proof" };
    return Buffer.from(root1).equals(root2) ? { ok: true } : { ok: false, reason: "two roots for one tree size: the log forked" };
  }
  if (size1 === 0) return proof.length === 0 ? { ok: true } : { ok: false, reason: "the empty tree takes an empty proof" };
  if (proof.length === 0) return { ok: false, reason: "the proof is empty" };
  const path = [...proof];
  if (2 ** Math.round(Math.log2(size1)) === size1) path.unshift(root1);
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return { ok: false, reason: "the proof is longer than the tree is deep" };
    if (odd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return { ok: false, reason: "the proof is shorter than the tree is deep" };
  if (!fr.equals(root1)) return { ok: false, reason: `the proof does not lead to the root of size ${size1}` };
  if (!sr.equals(root2)) return { ok: false, reason: `the proof does not lead to the root of size ${size2}` };
  return { ok: true };
}
