import { hashChildren } from "./hash";
import { consistencySteps, consistencyVerdict, FORKED, inclusionSides, type ProofCheck } from "./portable/proof-steps";

export type { ProofCheck } from "./portable/proof-steps";

/**
 * RFC 9162 §2.1.3.2: the root that `proof` yields for `leafHash` at `index` in a tree of `size`,
 * or why no root can come out of it (index outside the tree, proof too short or too long).
 */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Buffer | string {
  const sides = inclusionSides(index, size, proof.length);
  if (typeof sides === "string") return sides;
  let r: Buffer = Buffer.from(leafHash);
  proof.forEach((p, i) => {
    r = sides[i] ? hashChildren(p, r) : hashChildren(r, p);
  });
  return r;
}

export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): ProofCheck {
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (typeof computed === "string") return { ok: false, reason: computed };
  return computed.equals(root) ? { ok: true } : { ok: false, reason: "the proof leads to a different root" };
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `size1` (root1) is a prefix of the tree of `size2` (root2)? */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): ProofCheck {
  const steps = consistencySteps(size1, size2, proof.length);
  if (typeof steps === "string") return { ok: false, reason: steps };
  if (steps.kind === "equal") return Buffer.from(root1).equals(root2) ? { ok: true } : FORKED;
  if (steps.kind === "empty") return { ok: true };
  const path = steps.seedWithRoot1 ? [root1, ...proof] : proof;
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = fr;
  steps.both.forEach((both, i) => {
    const c = path[i + 1] as Uint8Array;
    if (both) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
    } else {
      sr = hashChildren(sr, c);
    }
  });
  return consistencyVerdict(size1, size2, fr.equals(root1), sr.equals(root2));
}
