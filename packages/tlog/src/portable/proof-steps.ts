/**
 * The shape of RFC 9162 proof verification, apart from the hashing: which side each proof hash
 * joins on depends only on the tree sizes and the index. The synchronous verifiers (node:crypto)
 * and the WebCrypto ones fold the same steps with their own hash function.
 */

/** Why a proof failed; verifiers answer `{ ok: false, reason }` rather than throwing. */
export type ProofCheck = { ok: true } | { ok: false; reason: string };

const half = (n: number) => Math.floor(n / 2);
const odd = (n: number) => n % 2 === 1;

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * RFC 9162 §2.1.3.2: for each hash of an inclusion proof of `proofLength` hashes, whether it is the
 * left child of the next node up (else the right), or why the proof cannot fit the tree (index
 * outside the tree, proof too short or too long).
 */
export function inclusionSides(index: number, size: number, proofLength: number): boolean[] | string {
  if (!isSize(index) || !isSize(size) || index >= size) return `leaf index ${index} is outside a tree of ${size} leaves`;
  let fn = index;
  let sn = size - 1;
  const sides: boolean[] = [];
  for (let i = 0; i < proofLength; i += 1) {
    if (sn === 0) return "the proof is longer than the tree is deep";
    if (odd(fn) || fn === sn) {
      sides.push(true);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sides.push(false);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return "the proof is shorter than the tree is deep";
  return sides;
}

/**
 * RFC 9162 §2.1.4.2, the steps of a consistency proof from `size1` to `size2`:
 * - `"equal"`: one size, so the proof must be empty and the roots equal;
 * - `"empty"`: from the empty tree, which any tree extends (the proof must be empty);
 * - `"path"`: start from `root1` (when `seedWithRoot1`) or the proof's first hash, then for each
 *   following hash, `both` says whether it joins both running roots on the left (else only the
 *   second one, on the right);
 * or why no proof of that length can show it.
 */
export type ConsistencySteps = { kind: "equal" } | { kind: "empty" } | { kind: "path"; seedWithRoot1: boolean; both: boolean[] } | string;

export function consistencySteps(size1: number, size2: number, proofLength: number): ConsistencySteps {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) return `size ${size1} cannot be a prefix of size ${size2}`;
  if (size1 === size2) return proofLength > 0 ? "equal sizes take an empty proof" : { kind: "equal" };
  if (size1 === 0) return proofLength === 0 ? { kind: "empty" } : "the empty tree takes an empty proof";
  if (proofLength === 0) return "the proof is empty";
  const seedWithRoot1 = 2 ** Math.round(Math.log2(size1)) === size1;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const both: boolean[] = [];
  for (let i = seedWithRoot1 ? 0 : 1; i < proofLength; i += 1) {
    if (sn === 0) return "the proof is longer than the tree is deep";
    if (odd(fn) || fn === sn) {
      both.push(true);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      both.push(false);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return "the proof is shorter than the tree is deep";
  return { kind: "path", seedWithRoot1, both };
}

/** The verdict once the two roots of a consistency path are computed. */
export function consistencyVerdict(size1: number, size2: number, ok1: boolean, ok2: boolean): ProofCheck {
  if (!ok1) return { ok: false, reason: `the proof does not lead to the root of size ${size1}` };
  if (!ok2) return { ok: false, reason: `the proof does not lead to the root of size ${size2}` };
  return { ok: true };
}

export const FORKED: ProofCheck = { ok: false, reason: "two roots for one tree size: the log forked" };
