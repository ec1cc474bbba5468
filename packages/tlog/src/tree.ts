import { EMPTY_ROOT, hashChildren } from "./hash";

/**
 * An RFC 6962 Merkle tree stored as its perfect subtrees. Node (level, index) is the root of the
 * complete subtree over leaves [index·2^level, (index+1)·2^level); level 0 is the leaf hashes.
 * Such a node never changes once its last leaf is in, so it can be stored when it is completed,
 * and any subtree hash the RFC's algorithms need is either one stored node or a fold of at most
 * log2(n) of them.
 *
 * Sizes and indexes are plain numbers (exact up to 2^53); no 32-bit bitwise operators are used.
 */
export interface NodeKey {
  level: number;
  index: number;
}

export interface StoredNode extends NodeKey {
  hash: Buffer;
}

/** Looks up a completed node; the planners below say which ones will be asked for. */
export type NodeSource = (level: number, index: number) => Buffer;

/**
 * The frontier of a tree of `size` leaves: its perfect subtrees from the left, largest first,
 * one per set bit of `size`. `frontierKeys(6)` → [(2,0), (1,2)].
 */
export function frontierKeys(size: number): NodeKey[] {
  const keys: NodeKey[] = [];
  let start = 0;
  for (let level = Math.floor(Math.log2(Math.max(size, 1))) + 1; level >= 0; level -= 1) {
    const width = 2 ** level;
    if (start + width <= size) {
      keys.push({ level, index: start / width });
      start += width;
    }
  }
  return keys;
}

/** The tree's root from its frontier (MTH; the empty tree's root for an empty frontier). */
export function rootFromFrontier(frontier: readonly Buffer[]): Buffer {
  if (frontier.length === 0) return EMPTY_ROOT;
  let root = frontier[frontier.length - 1] as Buffer;
  for (let i = frontier.length - 2; i >= 0; i -= 1) root = hashChildren(frontier[i] as Buffer, root);
  return root;
}

/**
 * Appends leaves to a tree given by its frontier. Returns the new frontier and every interior node
 * (level ≥ 1) the leaves completed, in the order they were completed.
 */
export function appendToFrontier(frontier: readonly Buffer[], size: number, leaves: readonly Buffer[]): { frontier: Buffer[]; nodes: StoredNode[] } {
  const next = [...frontier];
  const nodes: StoredNode[] = [];
  let position = size;
  for (const leaf of leaves) {
    let hash = leaf;
    let index = position;
    let level = 0;
    while (index % 2 === 1) {
      const left = next.pop();
      if (!left) throw new Error(`frontier is too short for a tree of ${size} leaves`);
      hash = hashChildren(left, hash);
      index = (index - 1) / 2;
      level += 1;
      nodes.push({ level, index, hash });
    }
    next.push(hash);
    position += 1;
  }
  return { frontier: next, nodes };
}

/** Incremental tree: push leaves, read the root at any size. Used by verifiers that stream a log. */
export class TreeBuilder {
  private frontier: Buffer[] = [];
  size = 0;

  /** A tree continued from its size and frontier (as {@link TreeBuilder.frontierOf} gave them), e.g. on another thread. */
  static resume(size: number, frontier: readonly Buffer[]): TreeBuilder {
    if (frontier.length !== frontierKeys(size).length) throw new Error(`a tree of ${size} leaves has ${frontierKeys(size).length} frontier hashes, not ${frontier.length}`);
    const tree = new TreeBuilder();
    tree.size = size;
    tree.frontier = [...frontier];
    return tree;
  }

  /** The tree's perfect subtrees from the left, largest first: with its size, all it needs to go on. */
  frontierOf(): Buffer[] {
    return [...this.frontier];
  }

  push(leaf: Buffer): void {
    let hash = leaf;
    let index = this.size;
    while (index % 2 === 1) {
      hash = hashChildren(this.frontier.pop() as Buffer, hash);
      index = (index - 1) / 2;
    }
    this.frontier.push(hash);
    this.size += 1;
  }

  root(): Buffer {
    return rootFromFrontier(this.frontier);
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** MTH(D[start:end]) from stored perfect nodes; ranges from the RFC recursion are always aligned. */
export function subtreeHash(start: number, end: number, source: NodeSource): Buffer {
  const width = end - start;
  if (isPowerOfTwo(width) && start % width === 0) return source(Math.round(Math.log2(width)), start / width);
  const k = largestPowerOfTwoBelow(width);
  return hashChildren(subtreeHash(start, start + k, source), subtreeHash(start + k, end, source));
}

/** RFC 6962 §2.1.1 PATH(m, D[0:n]): the audit path of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(index: number, size: number, source: NodeSource): Buffer[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf ${index} is not in a tree of ${size} leaves`);
  }
  const path = (m: number, start: number, end: number): Buffer[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    return m < start + k ? [...path(m, start, start + k), subtreeHash(start + k, end, source)] : [...path(m, start + k, end), subtreeHash(start, start + k, source)];
  };
  return path(index, 0, size);
}

/** RFC 6962 §2.1.2 PROOF(m, D[0:n]): proves the tree of `size1` leaves is a prefix of the tree of `size2`. */
export function consistencyProof(size1: number, size2: number, source: NodeSource): Buffer[] {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) {
    throw new RangeError(`no consistency proof from ${size1} to ${size2}`);
  }
  if (size1 === 0 || size1 === size2) return [];
  const subproof = (m: number, start: number, end: number, complete: boolean): Buffer[] => {
    const n = end - start;
    if (m === n) return complete ? [] : [subtreeHash(start, end, source)];
    const k = largestPowerOfTwoBelow(n);
    return m <= k
      ? [...subproof(m, start, start + k, complete), subtreeHash(start + k, end, source)]
      : [...subproof(m - k, start + k, end, false), subtreeHash(start, start + k, source)];
  };
  return subproof(size1, 0, size2, true);
}

/**
 * Which stored nodes `compute` will read, so a store can fetch them all in one query: runs it once
 * against a recording source, then the caller runs it again against the fetched nodes.
 */
export function plannedReads(compute: (source: NodeSource) => unknown): NodeKey[] {
  const seen = new Map<string, NodeKey>();
  const placeholder = Buffer.alloc(32);
  compute((level, index) => {
    seen.set(`${level}:${index}`, { level, index });
    return placeholder;
  });
  return [...seen.values()];
}

/**
 * Every stored node an inclusion proof for leaf `index` at `size` can read, in closed form, so a
 * store can fetch them in the same query that finds the leaf: the leaf, the complete sibling of its
 * ancestor at each level, and the frontier of `size` (the right edge's incomplete siblings and the
 * root fold from it). A superset of what `plannedReads` records for leaf + path + root, and still
 * O(log n): at most one sibling per level plus one frontier node per set bit of `size`.
 */
export function inclusionReads(index: number, size: number): NodeKey[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf ${index} is not in a tree of ${size} leaves`);
  }
  const keys: NodeKey[] = [{ level: 0, index }];
  for (let level = 0, width = 1; width < size; level += 1, width *= 2) {
    const ancestor = Math.floor(index / width);
    const sibling = ancestor % 2 === 0 ? ancestor + 1 : ancestor - 1;
    if ((sibling + 1) * width <= size) keys.push({ level, index: sibling });
  }
  const unique = new Map<string, NodeKey>();
  for (const key of [...keys, ...frontierKeys(size)]) unique.set(`${key.level}:${key.index}`, key);
  return [...unique.values()];
}

/** A NodeSource over fetched nodes; asking for one that was not fetched is an error, not a guess. */
export function sourceOf(nodes: Iterable<StoredNode>): NodeSource {
  const byKey = new Map<string, Buffer>();
  for (const node of nodes) byKey.set(`${node.level}:${node.index}`, node.hash);
  return (level, index) => {
    const hash = byKey.get(`${level}:${index}`);
    if (!hash) throw new Error(`tree node (${level}, ${index}) is missing`);
    return hash;
  };
}
