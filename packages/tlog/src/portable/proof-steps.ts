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
 * The walk both RFC 9162 verifiers make up the tree, from node `fn` of a level whose last node is
 * `sn`: for each of `count` proof hashes, whether it joins on the left (else the right); or why
 * the proof cannot fit (too long, or too short, for the tree).
 */
function walk(fn: number, sn: number, count: number): boolean[] | string {
  const sides: boolean[] = [];
  for (let i = 0; i < count; i += 1) {
    if (sn === 0) return "the proof is longer than the tree is deep";
    const left = odd(fn) || fn === sn;
    sides.push(left);
    while (left && !odd(fn) && fn !== 0) {
      fn = half(fn);
      sn = half(sn);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? sides : "the proof is shorter than the tree is deep";
}

/**
 * RFC 9162 §2.1.3.2: for each hash of an inclusion proof of `proofLength` hashes, whether it is the
 * left child of the next node up (else the right), or why the proof cannot fit the tree (index
 * outside the tree, proof too short or too long).
 */
export function inclusionSides(index: number, size: number, proofLength: number): boolean[] | string {
  if (!isSize(index) || !isSize(size) || index >= size) return `leaf index ${index} is outside a tree of ${size} leaves`;
  return walk(index, size - 1, proofLength);
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
  const both = walk(fn, sn, seedWithRoot1 ? proofLength : proofLength - 1);
  if (typeof both === "string") return both;
  return { kind: "path", seedWithRoot1, both };
}

/** The verdict once the two roots of a consistency path are computed. */
export function consistencyVerdict(size1: number, size2: number, ok1: boolean, ok2: boolean): ProofCheck {
  if (!ok1) return { ok: false, reason: `the proof does not lead to the root of size ${size1}` };
  if (!ok2) return { ok: false, reason: `the proof does not lead to the root of size ${size2}` };
  return { ok: true };
}

export const FORKED: ProofCheck = { ok: false, reason: "two roots for one tree size: the log forked" };
