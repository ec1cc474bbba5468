import { describe, expect, it } from "vitest";
import {
  EMPTY_ROOT,
  TreeBuilder,
  appendToFrontier,
  consistencyProof,
  frontierKeys,
  hashChildren,
  hashLeaf,
  inclusionProof,
  inclusionReads,
  plannedReads,
  rootFromFrontier,
  sourceOf,
  subtreeHash,
  verifyConsistency,
  verifyInclusion,
  type StoredNode,
} from "../src/index";

// The RFC 6962 definition, straight from §2.1: the reference every stored-node answer must equal.
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return hashChildren(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

function leavesOf(n: number, salt = ""): Buffer[] {
  return Array.from({ length: n }, (_, i) => hashLeaf(`${salt}leaf ${i}`));
}

/** Every stored node of a tree built by appending in random batch sizes, as a store would keep them. */
function storedTree(leaves: Buffer[], random: () => number): { nodes: StoredNode[]; frontier: Buffer[] } {
  const nodes: StoredNode[] = leaves.map((hash, index) => ({ level: 0, index, hash }));
  let frontier: Buffer[] = [];
  let size = 0;
  while (size < leaves.length) {
    const batch = leaves.slice(size, size + 1 + Math.floor(random() * 5));
    const next = appendToFrontier(frontier, size, batch);
    frontier = next.frontier;
    nodes.push(...next.nodes);
    size += batch.length;
  }
  return { nodes, frontier };
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe("stored Merkle tree", () => {
  const leaves = leavesOf(70);
  const { nodes } = storedTree(leaves, seeded(7));
  const source = sourceOf(nodes);

  it("keeps a frontier whose root is the RFC 6962 root at every size", () => {
    let frontier: Buffer[] = [];
    for (let n = 0; n <= leaves.length; n += 1) {
      expect(rootFromFrontier(frontier).equals(mth(leaves.slice(0, n)))).toBe(true);
      expect(frontier.length).toBe(frontierKeys(n).length);
      if (n < leaves.length) frontier = appendToFrontier(frontier, n, [leaves[n] as Buffer]).frontier;
    }
  });

  it("stores each completed node exactly once, equal to the subtree it covers", () => {
    const keys = nodes.filter((n) => n.level > 0).map((n) => `${n.level}:${n.index}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(leaves.length - frontierKeys(leaves.length).length);
    for (const node of nodes) {
      const width = 2 ** node.level;
      expect(node.hash.equals(mth(leaves.slice(node.index * width, (node.index + 1) * width)))).toBe(true);
    }
  });

  it("names the frontier's perfect subtrees left to right", () => {
    expect(frontierKeys(0)).toEqual([]);
    expect(frontierKeys(6)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
    ]);
    expect(frontierKeys(7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(frontierKeys(8)).toEqual([{ level: 3, index: 0 }]);
  });

  it("computes any subtree from stored nodes", () => {
    for (let n = 1; n <= leaves.length; n += 1) expect(subtreeHash(0, n, source).equals(mth(leaves.slice(0, n)))).toBe(true);
  });

  it("TreeBuilder agrees with the definition", () => {
    const builder = new TreeBuilder();
    for (const leaf of leaves) {
      builder.push(leaf);
      expect(builder.root().equals(mth(leaves.slice(0, builder.size)))).toBe(true);
    }
  });

  it("gives inclusion proofs that verify for every leaf of every size, and fail when altered", () => {
    for (let n = 1; n <= leaves.length; n += 1) {
      const root = mth(leaves.slice(0, n));
      for (let m = 0; m < n; m += 1) {
        const proof = inclusionProof(m, n, source);
        expect(verifyInclusion(m, n, leaves[m] as Buffer, proof, root)).toEqual({ ok: true });
        expect(verifyInclusion(m, n, leaves[(m + 1) % n] as Buffer, proof, root).ok).toBe(n === 1 ? true : false);
        if (proof.length > 0) {
          const bent = proof.map((h) => Buffer.from(h));
          const last = bent[proof.length - 1] as Buffer;
          last.writeUInt8(last.readUInt8(0) ^ 1, 0);
          expect(verifyInclusion(m, n, leaves[m] as Buffer, bent, root).ok).toBe(false);
          expect(verifyInclusion(m, n, leaves[m] as Buffer, proof.slice(1), root).ok).toBe(false);
          expect(verifyInclusion(m, n, leaves[m] as Buffer, [...proof, root], root).ok).toBe(false);
        }
        if (m + 1 < n) expect(verifyInclusion(m + 1, n, leaves[m] as Buffer, proof, root).ok).toBe(false);
      }
    }
  });

  it("gives consistency proofs that verify for every pair of sizes, and fail across a rewritten log", () => {
    const forked = [...leaves];
    forked[3] = hashLeaf("rewritten");
    for (let n = 1; n <= 40; n += 1) {
      const root2 = mth(leaves.slice(0, n));
      for (let m = 0; m <= n; m += 1) {
        const root1 = mth(leaves.slice(0, m));
        const proof = consistencyProof(m, n, source);
        expect(verifyConsistency(m, n, proof, root1, root2)).toEqual({ ok: true });
        if (m > 3 && m < n) expect(verifyConsistency(m, n, proof, mth(forked.slice(0, m)), root2).ok).toBe(false);
        if (m > 0 && m < n && proof.length > 1) expect(verifyConsistency(m, n, proof.slice(0, -1), root1, root2).ok).toBe(false);
      }
    }
  });

  it("reads O(log n) stored nodes per proof, even for a million leaves", () => {
    for (const [m, n] of [
      [0, 1_000_000],
      [999_999, 1_000_000],
      [123_457, 1_000_000],
      [524_287, 1_000_001],
    ] as const) {
      expect(plannedReads((s) => inclusionProof(m, n, s)).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
    }
    expect(plannedReads((s) => consistencyProof(333_333, 1_000_000, s)).length).toBeLessThanOrEqual(2 * 20);
  });

  it("names, in closed form, every node a leaf's proof and the root read, and only completed ones", () => {
    for (let n = 1; n <= 130; n += 1) {
      for (let m = 0; m < n; m += 1) {
        const keys = inclusionReads(m, n);
        const named = new Set(keys.map((k) => `${k.level}:${k.index}`));
        const read = plannedReads((s) => [s(0, m), inclusionProof(m, n, s), subtreeHash(0, n, s)]);
        expect(read.filter((k) => !named.has(`${k.level}:${k.index}`))).toEqual([]);
        expect(keys.every((k) => (k.index + 1) * 2 ** k.level <= n)).toBe(true);
        expect(named.size).toBe(keys.length);
      }
    }
    for (const [m, n] of [
      [0, 1_000_000],
      [999_999, 1_000_000],
      [123_457, 1_000_003],
      [2 ** 52, 2 ** 53 - 1],
    ] as const) {
      expect(inclusionReads(m, n).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)) + 1);
    }
    expect(() => inclusionReads(5, 5)).toThrow(RangeError);
  });

  it("checks random trees and random proofs against the definition", () => {
    const random = seeded(42);
    for (let round = 0; round < 25; round += 1) {
      const n = 1 + Math.floor(random() * 300);
      const ls = leavesOf(n, `r${round}`);
      const src = sourceOf(storedTree(ls, random).nodes);
      const root = mth(ls);
      const m = Math.floor(random() * n);
      expect(verifyInclusion(m, n, ls[m] as Buffer, inclusionProof(m, n, src), root).ok).toBe(true);
      const size1 = Math.floor(random() * (n + 1));
      expect(verifyConsistency(size1, n, consistencyProof(size1, n, src), mth(ls.slice(0, size1)), root).ok).toBe(true);
    }
  });

  it("refuses proofs for leaves outside the tree", () => {
    expect(() => inclusionProof(5, 5, source)).toThrow(RangeError);
    expect(() => consistencyProof(6, 5, source)).toThrow(RangeError);
    expect(verifyInclusion(5, 5, leaves[0] as Buffer, [], EMPTY_ROOT).ok).toBe(false);
  });
});
