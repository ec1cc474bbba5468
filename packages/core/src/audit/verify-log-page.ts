import { BundleVerifier, rootFromFrontier, toHex, type BundleOptions, type BundleVerifierState } from "@gatehouse/tlog";
import { bundleFieldsOf, type StoredFields } from "./erasable-fields";
import { chainHash } from "./hashing";

/**
 * Verification of an org's stored audit log, one page at a time, pure (packages/db's verifyStoredStep
 * reads each page on a work-pool worker and checks it here). Everything a page needs
 * crosses as plain data: the verifier's state (its tree's frontier, the checkpoints it still waits
 * for), the running chain hash and the position, in and out. Per entry: its leaf hash from the
 * canonical text, its place (the canonical seq), the chain hash; per checkpoint: its signature with
 * the org's keys and the tree's root when the entries reach its size.
 */

export interface StoredEntry {
  seq: number;
  canonical: string;
  leafHash: string;
  chainHash: string;
  /** A second-format entry's committed fields as stored beside it (each checked against its digest). */
  fields?: StoredFields | null;
}

export interface StoredLogHead {
  size: number;
  chainHash: string;
  /** The head's tree as its frontier (hex), empty when not recorded. */
  frontier: string[];
}

export interface LogPageInput {
  /** The org's verifier keys and the log's origin; unsigned entries past the last checkpoint are allowed (the head checks them). */
  options: { keys: string[]; origin: string };
  /** Null: the first page. */
  state: BundleVerifierState | null;
  /** On the first page of a log whose oldest entries were dropped: where it starts and the tree's frontier there (the chain hash there is `chain`). */
  start?: { size: number; frontier: string[] } | null;
  /** The chain hash after the entries before this page, and how many those were. */
  chain: string;
  position: number;
  /** Entries in seq order. */
  entries: StoredEntry[];
  /** Checkpoints in tree-size order: each is fed once the entries reach its size (all of them by the end of the page). */
  checkpoints: Array<{ size: number; note: string }>;
  /** On the last call: the head to compare with and how many entries are stored beyond it; the answer then carries the report. */
  finish?: { head: StoredLogHead; extra: number };
}

export interface LogVerification {
  valid: boolean;
  checkedEntries: number;
  checkedCheckpoints: number;
  firstBrokenSeq: number | null;
  treeSize: number;
  rootHash: string;
  problem: string | null;
  unsignedEntries: number;
  /** Where the log starts (0, or the first seq kept after a drop). */
  startSize: number;
}

export interface LogPageOutput {
  state: BundleVerifierState;
  chain: string;
  position: number;
  failed: boolean;
  /** Entries checked so far (for progress). */
  checkedEntries: number;
  report: LogVerification | null;
}

/** Verifies one page of stored entries (and the checkpoints up to its end) from where the last page left off. */
export function verifyLogPage(input: LogPageInput): LogPageOutput {
  const options: BundleOptions = { keys: input.options.keys, origin: input.options.origin, allowUnsigned: true };
  const verifier = input.state ? BundleVerifier.resume(options, input.state) : new BundleVerifier(options);
  if (!input.state && input.start) verifier.addStart(input.start.size, input.start.frontier);
  let { chain, position } = input;
  let next = 0;
  const feedUpTo = (size: number) => {
    for (; next < input.checkpoints.length && (input.checkpoints[next] as { size: number }).size <= size; next += 1) {
      verifier.addCheckpoint((input.checkpoints[next] as { note: string }).note);
    }
  };
  for (const entry of input.entries) {
    if (verifier.failed) break;
    feedUpTo(position);
    verifier.addEntry(entry.seq, entry.canonical, entry.leafHash, bundleFieldsOf(entry.fields));
    if (verifier.failed) break;
    chain = chainHash(chain, entry.leafHash);
    if (chain !== entry.chainHash) verifier.fail(`entry ${entry.seq}: its chain hash does not follow from the entries before it`, entry.seq);
    position += 1;
  }
  if (!verifier.failed) feedUpTo(Number.MAX_SAFE_INTEGER);
  const failed = verifier.failed;
  const report = input.finish ? finish(verifier, chain, input.finish.head, input.finish.extra) : null;
  const state = verifier.save();
  return { state, chain, position, failed, checkedEntries: state.entries, report };
}

function finish(verifier: BundleVerifier, chain: string, head: StoredLogHead, extra: number): LogVerification {
  const rebuilt = verifier.rebuilt;
  if (!verifier.failed) {
    if (rebuilt.size < head.size) verifier.fail(`the log head counts ${head.size} entries but only ${rebuilt.size} are stored: entries were removed from the end`, rebuilt.size);
    else if (extra > 0) verifier.fail(`entries are stored beyond the log head (size ${head.size}): entries were added outside the log`, head.size);
    else if (chain !== head.chainHash) verifier.fail("the log head's chain hash does not match the last entry", head.size - 1);
    else if (head.frontier.length > 0 && !rootFromFrontier(head.frontier.map((h) => Buffer.from(h, "hex"))).equals(rebuilt.root)) {
      verifier.fail("the log head's tree does not match the stored entries", head.size - 1);
    }
  }
  const report = verifier.finish();
  return {
    valid: report.valid,
    checkedEntries: report.checkedEntries,
    checkedCheckpoints: report.checkedCheckpoints,
    firstBrokenSeq: report.firstBrokenSeq,
    treeSize: rebuilt.size,
    rootHash: toHex(rebuilt.root),
    problem: report.problem,
    unsignedEntries: report.unsigned?.count ?? 0,
    startSize: report.startSize,
  };
}
