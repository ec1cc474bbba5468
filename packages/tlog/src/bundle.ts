import { parseCheckpoint } from "./checkpoint";
import { sealedFieldsProblem } from "./fields";
import { hashLeaf, sha256HexOfText, toHex } from "./hash";
import { verifyCosignatures } from "./cosignature";
import { openNote, parseVerifierKey, type NoteVerifier } from "./note";
import { cosignedWitnesses, describeQuorum, parseWitnessPolicy, quorumMet, type WitnessPolicy } from "./policy";
import { frontierKeys, TreeBuilder } from "./tree";
import { rootFromInclusionProof, verifyConsistency } from "./verify";

/**
 * Verifies a Gatehouse audit bundle (JSON Lines; docs/audit.md) with public specs and public keys
 * only. Lines, in the order the export writes them:
 *   {"type":"bundle", "version":1, "origin", "treeSize", "filter"}           header (optional)
 *   {"type":"key", "vkey"}                                                      C2SP verifier keys
 *   {"type":"start", "size", "frontier"}                                        where the log starts (optional)
 *   {"type":"entry", "seq", "canonical", "leafHash", "proof"?,                  log entries
 *    "fields"?, "erased"?}                                                      (second format: fields.ts)
 *   {"type":"checkpoint", "note"}                                               signed checkpoints
 *   {"type":"consistency", "size1", "size2", "proof"}                           optional
 * A complete bundle (entries from seq 0 with no gaps) is checked by rebuilding the tree and
 * comparing its root with every checkpoint as the stream reaches that size. A log whose oldest
 * entries were dropped under its org's retention starts at seq S: its bundle's start line carries
 * the tree's frontier at S (the hashes of the perfect subtrees covering [0, S)), the tree is rebuilt
 * from there, and only checkpoints from S on are checked (the report's `startSize`). A filtered bundle's
 * entries each carry an inclusion proof against a checkpoint that came before them, and its smaller
 * checkpoints a consistency proof into the largest.
 *
 * Only what a signature covers is valid: entries after the last signed checkpoint are reported as
 * unsigned (`report.unsigned`) and fail the check unless `allowUnsigned` is set. Everything else that
 * does not tie the bundle to one signed log fails closed with its reason: no checkpoint, a checkpoint
 * beyond the entries, a checkpoint or key line of another log, a signature by a key not named for the
 * log, checkpoints that do not extend one another, a gap or repeat in seq, a line that is not a
 * bundle line, an empty bundle.
 */
export interface BundleOptions {
  /** Verifier keys to trust. Without them, the bundle's own key lines are used (and reported so). */
  keys?: readonly string[];
  /** The log's expected origin; checkpoints naming another log are refused. */
  origin?: string;
  /** A checkpoint (signed note) saved earlier: the bundle must show the log only grew since. */
  since?: string;
  /**
   * Accept entries after the last signed checkpoint (default false: they fail the check). Even then
   * they stay reported in `report.unsigned`: nothing but the bundle itself vouches for them.
   */
  allowUnsigned?: boolean;
  /**
   * A C2SP tlog-policy (text or parsed): its log lines are trusted keys too, and the bundle's last
   * checkpoint must carry cosignatures from its quorum of witnesses (docs/audit.md, Witnesses).
   */
  policy?: string | WitnessPolicy;
  /** Called every `progressEvery` entries with the number checked so far. */
  onProgress?: (checkedEntries: number) => void;
  progressEvery?: number;
}

export interface BundleReport {
  valid: boolean;
  checkedEntries: number;
  checkedCheckpoints: number;
  /** True when the entries formed the whole log from its start (seq `startSize`), so the tree itself was rebuilt. */
  complete: boolean;
  /** Where the bundle's log starts: 0, or the seq its start line names (the entries before it were dropped under the org's retention). */
  startSize: number;
  /** The largest verified checkpoint. */
  treeSize: number | null;
  rootHash: string | null;
  origin: string | null;
  /** Where the keys that verified the checkpoints came from. */
  keysFrom: "options" | "bundle";
  keys: string[];
  /**
   * Entries after the last signed checkpoint (a complete bundle's tail no signature covers) when the
   * rest of the bundle checked out; null when every entry is covered or the bundle failed otherwise.
   * The check fails on them unless `allowUnsigned` was set.
   */
  unsigned: UnsignedEntries | null;
  /** The `since` checkpoint, when one was given and the bundle reached it. */
  since: { treeSize: number; rootHash: string; consistent: boolean } | null;
  /**
   * With a policy: its quorum in words, the policy's witnesses that cosigned the bundle's last
   * checkpoint, and the largest checkpoint whose cosignatures met the quorum (null: none did).
   */
  witnesses: { quorum: string; cosignedBy: string[]; witnessedTreeSize: number | null } | null;
  firstBrokenSeq: number | null;
  /** 1-based line number of the first bad line, or null when the problem is the bundle's end. */
  firstBadLine: number | null;
  problem: string | null;
}

/** A run of entries that no signed checkpoint covers. */
export interface UnsignedEntries {
  count: number;
  firstSeq: number;
  lastSeq: number;
}

class BundleProblem extends Error {
  constructor(
    message: string,
    readonly seq: number | null = null,
  ) {
    super(message);
  }
}

interface Failure {
  problem: string;
  seq: number | null;
  line: number | null;
}

/** A key line of another log: the bundle's key lines are its own log's keys, named for its origin. */
function checkKeyOrigin(key: NoteVerifier, origin: string): void {
  if (key.name !== origin) throw new BundleProblem(`a key line is for ${JSON.stringify(key.name)}, not for this log (${JSON.stringify(origin)})`);
}

const entryCount = (n: number): string => `${n} ${n === 1 ? "entry" : "entries"}`;

/** "3 entries (seq 6–8) come" or "1 entry (seq 6) comes". */
export function describeUnsigned(unsigned: UnsignedEntries): string {
  return unsigned.count === 1 ? `1 entry (seq ${unsigned.firstSeq}) comes` : `${unsigned.count} entries (seq ${unsigned.firstSeq}–${unsigned.lastSeq}) come`;
}

const HEX64 = /^[0-9a-f]{64}$/;

function hexHashes(value: unknown, what: string): Buffer[] {
  if (!Array.isArray(value) || value.length > 64 || !value.every((h) => typeof h === "string" && HEX64.test(h))) {
    throw new BundleProblem(`${what} must be a list of at most 64 hex hashes`);
  }
  return value.map((h: string) => Buffer.from(h, "hex"));
}

/** The top-level "seq" of an entry's canonical text: keys after "seq" hold only scalars, so the last match is it. */
export function canonicalSeq(canonical: string): number | null {
  const at = canonical.lastIndexOf('"seq":');
  if (at < 0) return null;
  let end = at + 6;
  while (end < canonical.length) {
    const c = canonical.charCodeAt(end);
    if (c < 48 || c > 57) break;
    end += 1;
  }
  return end > at + 6 ? Number(canonical.slice(at + 6, end)) : null;
}

/**
 * A complete bundle's verification part-way, as plain data (structured-clone and JSON safe): what a
 * {@link BundleVerifier} needs to go on with the next lines on another thread. Hashes are hex.
 * Checkpoints the rebuilt tree already passed are kept only by size where the end still asks for
 * them (the largest, the header's); the rest were compared when the tree reached them.
 */
export interface BundleVerifierState {
  tree: { size: number; frontier: string[] };
  bundleKeys: string[];
  roots: Array<{ size: number; root: string; line: number }>;
  pending: Array<{ size: number; line: number }>;
  since: { note: string | null; checkpoint: { size: number; root: string; origin: string } | null; consistent: boolean };
  lineNo: number;
  records: number;
  entries: number;
  checkpoints: number;
  origin: string | null;
  largest: { size: number; root: string } | null;
  claimedSize: number | null;
  claimedRoot: string | null;
  tailStart: { seq: number; line: number } | null;
  /** Where the log starts (a start line's size; 0 for the whole log). */
  start?: number;
  failure: { problem: string; seq: number | null; line: number | null } | null;
  witnessed?: { largestCosignedBy: string[]; witnessedSize: number | null };
}

export class BundleVerifier {
  private tree = new TreeBuilder();
  private readonly trusted: NoteVerifier[];
  private readonly bundleKeys: NoteVerifier[] = [];
  private readonly roots = new Map<number, { root: Buffer; line: number }>();
  /** Checkpoints the rebuilt tree has not reached yet, by size. */
  private readonly pending = new Map<number, number>();
  /** The saved checkpoint from options.since, opened once the keys are known (before the first non-key line). */
  private sinceNote: string | undefined;
  private sinceCheckpoint: { size: number; root: Buffer; origin: string } | null = null;
  private sinceConsistent = false;
  private lineNo = 0;
  /** Lines that were not blank: the header must be the first of them, and a bundle has at least one. */
  private records = 0;
  private entries = 0;
  private checkpoints = 0;
  private complete = true;
  private origin: string | null = null;
  private largest: { size: number; root: Buffer } | null = null;
  /** The tree size and root the bundle's header says it covers. */
  private claimedSize: number | null = null;
  private claimedRoot: string | null = null;
  /** The entry at the largest checkpoint's size when it was placed: the first an unsigned tail would hold. */
  private tailStart: { seq: number; line: number } | null = null;
  /** Where the log starts: 0, or the size a start line named. */
  private start = 0;
  /** Set once an entry, checkpoint or consistency line came: a start line comes before them. */
  private begun = false;
  /** A filtered bundle's last entry: its entries come once each, in seq order. */
  private lastProvenSeq = -1;
  /** Consistency proofs checked: size2 → the sizes proven to be its prefixes. */
  private readonly prefixesOf = new Map<number, number[]>();
  private failure: Failure | null = null;
  private readonly progressEvery: number;
  private readonly policy: WitnessPolicy | null;
  /** With a policy: the policy's witnesses that cosigned the largest checkpoint so far. */
  private largestCosignedBy: string[] = [];
  /** With a policy: the largest checkpoint whose cosignatures met its quorum. */
  private witnessedSize: number | null = null;

  constructor(private readonly options: BundleOptions = {}) {
    this.policy = typeof options.policy === "string" ? parseWitnessPolicy(options.policy) : (options.policy ?? null);
    this.trusted = [...(options.keys ?? []).map((k) => parseVerifierKey(k)), ...(this.policy?.logs.map((l) => l.verifier) ?? [])];
    this.progressEvery = options.progressEvery ?? 50_000;
    this.sinceNote = options.since;
    this.origin = options.origin ?? null;
  }

  /**
   * This verification's state as plain data, to go on with {@link BundleVerifier.resume} (same
   * options). Only for a complete bundle (entries from seq 0, no proofs): a filtered one's
   * consistency bookkeeping is not carried.
   */
  save(): BundleVerifierState {
    if (!this.complete || this.prefixesOf.size > 0) throw new Error("only a complete bundle's verification can be saved and resumed");
    const keep = (size: number) => size >= this.tree.size || size === this.largest?.size || size === this.claimedSize || size === this.sinceCheckpoint?.size;
    return {
      tree: { size: this.tree.size, frontier: this.tree.frontierOf().map(toHex) },
      bundleKeys: this.bundleKeys.map((key) => key.vkey),
      roots: [...this.roots].filter(([size]) => keep(size)).map(([size, { root, line }]) => ({ size, root: toHex(root), line })),
      pending: [...this.pending].map(([size, line]) => ({ size, line })),
      since: {
        note: this.sinceNote ?? null,
        checkpoint: this.sinceCheckpoint ? { ...this.sinceCheckpoint, root: toHex(this.sinceCheckpoint.root) } : null,
        consistent: this.sinceConsistent,
      },
      lineNo: this.lineNo,
      records: this.records,
      entries: this.entries,
      checkpoints: this.checkpoints,
      origin: this.origin,
      largest: this.largest ? { size: this.largest.size, root: toHex(this.largest.root) } : null,
      claimedSize: this.claimedSize,
      claimedRoot: this.claimedRoot,
      tailStart: this.tailStart,
      start: this.start,
      failure: this.failure,
      witnessed: { largestCosignedBy: this.largestCosignedBy, witnessedSize: this.witnessedSize },
    };
  }

  /** Goes on with a verification {@link BundleVerifier.save} saved, given the same options. */
  static resume(options: BundleOptions, state: BundleVerifierState): BundleVerifier {
    const verifier = new BundleVerifier(options);
    const bytes = (hex: string) => Buffer.from(hex, "hex");
    verifier.tree = TreeBuilder.resume(state.tree.size, state.tree.frontier.map(bytes));
    for (const vkey of state.bundleKeys) verifier.bundleKeys.push(parseVerifierKey(vkey));
    for (const { size, root, line } of state.roots) verifier.roots.set(size, { root: bytes(root), line });
    for (const { size, line } of state.pending) verifier.pending.set(size, line);
    verifier.sinceNote = state.since.note ?? undefined;
    verifier.sinceCheckpoint = state.since.checkpoint ? { ...state.since.checkpoint, root: bytes(state.since.checkpoint.root) } : null;
    verifier.sinceConsistent = state.since.consistent;
    verifier.lineNo = state.lineNo;
    verifier.records = state.records;
    verifier.entries = state.entries;
    verifier.checkpoints = state.checkpoints;
    verifier.origin = state.origin;
    verifier.largest = state.largest ? { size: state.largest.size, root: bytes(state.largest.root) } : null;
    verifier.claimedSize = state.claimedSize;
    verifier.claimedRoot = state.claimedRoot;
    verifier.tailStart = state.tailStart;
    verifier.start = state.start ?? 0;
    verifier.begun = state.entries > 0 || state.checkpoints > 0;
    verifier.failure = state.failure;
    verifier.largestCosignedBy = state.witnessed?.largestCosignedBy ?? [];
    verifier.witnessedSize = state.witnessed?.witnessedSize ?? null;
    return verifier;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  /** Feeds one line (without its newline). Stops checking after the first problem. */
  line(text: string): void {
    this.lineNo += 1;
    if (text.length === 0) return;
    this.records += 1;
    this.guard(() => this.check(text));
  }

  /** Feeds an entry whose line a worker already parsed and checked (leaf hash and recorded seq). */
  addCheckedEntry(seq: number, leaf: Buffer): void {
    this.lineNo += 1;
    this.records += 1;
    this.guard(() => {
      this.openSince();
      this.begun = true;
      this.entries += 1;
      this.place(seq, leaf);
    });
  }

  /** The next line failed a check a worker made. */
  failLine(problem: string, seq: number | null): void {
    this.lineNo += 1;
    this.records += 1;
    this.guard(() => {
      throw new BundleProblem(problem, seq);
    });
  }

  /**
   * Feeds an entry directly (a server verifying its own rows skips the JSON round trip), with its
   * fields as a bundle line carries them (sealedFieldsProblem) when it has any.
   */
  addEntry(seq: number, canonical: string, leafHash: string, sidecar?: { fields?: unknown; erased?: unknown }): void {
    this.lineNo += 1;
    this.records += 1;
    this.guard(() => this.entry({ seq, canonical, leafHash, ...sidecar }));
  }

  /** Feeds a start line's content directly (a server verifying a log whose oldest entries were dropped). */
  addStart(size: number, frontier: readonly string[]): void {
    this.lineNo += 1;
    this.records += 1;
    this.guard(() => {
      this.openSince();
      this.startLine({ size, frontier });
    });
  }

  addCheckpoint(note: string): void {
    this.lineNo += 1;
    this.records += 1;
    this.guard(() => {
      this.openSince();
      this.checkpoint(note);
    });
  }

  /** Fails the verification from outside (a check only the caller can make), unless it already failed. */
  fail(problem: string, seq: number | null): void {
    this.failure ??= { problem, seq, line: null };
  }

  /** Size and root of the tree rebuilt from the entries fed so far. */
  get rebuilt(): { size: number; root: Buffer } {
    return { size: this.tree.size, root: this.tree.root() };
  }

  private guard(check: () => void): void {
    if (this.failure) return;
    try {
      check();
    } catch (error) {
      this.failure = {
        problem: error instanceof Error ? error.message : String(error),
        seq: error instanceof BundleProblem ? error.seq : null,
        line: this.lineNo,
      };
    }
  }

  private verifiers(): NoteVerifier[] {
    return this.trusted.length > 0 ? this.trusted : this.bundleKeys;
  }

  private check(text: string): void {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new BundleProblem("not a JSON line");
    }
    if (record === null || typeof record !== "object") throw new BundleProblem("not a JSON object");
    if (record.type !== "key" && record.type !== "bundle") this.openSince();
    switch (record.type) {
      case "start":
        return this.startLine(record);
      case "entry":
        return this.entry(record);
      case "checkpoint":
        return this.checkpoint(record.note);
      case "key": {
        if (typeof record.vkey !== "string") throw new BundleProblem("a key line has a vkey string");
        const key = parseVerifierKey(record.vkey);
        if (this.origin !== null) checkKeyOrigin(key, this.origin);
        this.bundleKeys.push(key);
        return;
      }
      case "consistency":
        return this.consistency(record);
      case "bundle":
        if (this.records !== 1) throw new BundleProblem("a bundle header comes only once, as the first line");
        if (typeof record.origin === "string") this.setOrigin(record.origin);
        if (typeof record.treeSize === "number") this.claimedSize = record.treeSize;
        if (typeof record.rootHash === "string") this.claimedRoot = record.rootHash;
        // A filtered export proves each entry it holds, and may hold none.
        if (record.filter !== null && record.filter !== undefined) this.complete = false;
        return;
      default:
        throw new BundleProblem(`unknown line type ${JSON.stringify(record.type)}`);
    }
  }

  /**
   * A start line: the log starts at `size` (its entries before it were dropped), and the tree is rebuilt from its
   * frontier there. Once, before any entry, checkpoint or consistency line, and only in a whole (unfiltered) bundle.
   */
  private startLine(record: Record<string, unknown>): void {
    if (this.begun || this.start > 0) throw new BundleProblem("a start line comes once, before any entry or checkpoint");
    if (!this.complete) throw new BundleProblem("a filtered bundle proves each entry and has no start line");
    const { size } = record;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 1) throw new BundleProblem("a start line's size is a positive integer");
    const frontier = hexHashes(record.frontier, "a start line's frontier");
    const needed = frontierKeys(size).length;
    if (frontier.length !== needed) {
      throw new BundleProblem(`a start line of size ${size} has ${frontier.length} frontier hashes, not one per perfect subtree (${needed})`);
    }
    this.tree = TreeBuilder.resume(size, frontier);
    this.start = size;
    if (this.sinceCheckpoint?.size === size) this.compareSince();
  }

  private setOrigin(origin: string): void {
    if (this.origin === null) {
      for (const key of this.bundleKeys) checkKeyOrigin(key, origin);
      this.origin = origin;
    } else if (this.origin !== origin) throw new BundleProblem(`origin ${JSON.stringify(origin)} differs from ${JSON.stringify(this.origin)}: these are different logs`);
  }

  private entry(record: Record<string, unknown>): void {
    this.begun = true;
    const { seq, canonical, leafHash } = record;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) throw new BundleProblem("an entry's seq is a non-negative integer");
    if (typeof canonical !== "string") throw new BundleProblem("an entry has its canonical text", seq);
    if (typeof leafHash !== "string") throw new BundleProblem("an entry's leafHash is 64 hex characters", seq);
    const leaf = hashLeaf(canonical);
    // Equal to a hex digest means well-formed too: no separate format check on this hot path.
    if (leaf.toString("hex") !== leafHash) throw new BundleProblem(`entry ${seq}: its leaf hash does not match its canonical text (the entry was edited)`, seq);
    const stated = canonicalSeq(canonical);
    if (stated !== seq) {
      // The entry first recorded at `stated` now sits at `seq`: the log differs from the earlier of the two on.
      throw new BundleProblem(`entry ${seq}: its canonical text records seq ${stated} (entries were moved, inserted or removed)`, stated === null ? seq : Math.min(seq, stated));
    }
    const fieldProblem = sealedFieldsProblem(seq, canonical, record.fields, record.erased, sha256HexOfText);
    if (fieldProblem !== null) throw new BundleProblem(fieldProblem, seq);
    this.entries += 1;
    if (record.proof !== undefined) {
      if (this.tree.size > 0) {
        throw new BundleProblem(
          this.start > 0
            ? `entry ${seq} has a proof, but the bundle has a start line: a bundle is either whole or filtered`
            : `entry ${seq} has a proof, but earlier entries did not: a bundle is either whole or filtered`,
          seq,
        );
      }
      this.complete = false;
      this.proven(seq, leaf, record.proof);
    } else {
      this.place(seq, leaf);
    }
  }

  /** An entry without a proof takes the next place in the rebuilt tree. */
  private place(seq: number, leaf: Buffer): void {
    if (!this.complete) throw new BundleProblem(`entry ${seq} has no proof, but the bundle is filtered: each of its entries carries one`, seq);
    if (seq !== this.tree.size) {
      // A gap breaks the log at the missing entry; a repeat at the position claimed twice.
      throw seq > this.tree.size
        ? new BundleProblem(`entry ${this.tree.size} is missing (the next entry is ${seq})`, this.tree.size)
        : new BundleProblem(`a second entry ${seq} appears after entry ${this.tree.size - 1} (an entry was inserted)`, seq);
    }
    if (seq === (this.largest?.size ?? this.start)) this.tailStart = { seq, line: this.lineNo };
    this.tree.push(leaf);
    const at = this.pending.get(this.tree.size);
    if (at !== undefined) this.compareRoot(this.tree.size, at);
    if (this.sinceCheckpoint && this.sinceCheckpoint.size === this.tree.size) this.compareSince();
    if (this.options.onProgress && this.entries % this.progressEvery === 0) this.options.onProgress(this.entries);
  }

  private proven(seq: number, leaf: Buffer, proof: unknown): void {
    if (seq <= this.lastProvenSeq) {
      throw new BundleProblem(
        seq === this.lastProvenSeq ? `entry ${seq} appears twice` : `entry ${seq} comes after entry ${this.lastProvenSeq}: a filtered bundle lists its entries in seq order`,
        seq,
      );
    }
    this.lastProvenSeq = seq;
    const p = proof as { treeSize?: unknown; hashes?: unknown };
    if (typeof p !== "object" || p === null || typeof p.treeSize !== "number") throw new BundleProblem(`entry ${seq}: a proof has a treeSize and hashes`, seq);
    const known = this.roots.get(p.treeSize);
    if (!known) throw new BundleProblem(`entry ${seq}: its proof is for tree size ${p.treeSize}, but no checkpoint of that size came before it`, seq);
    const computed = rootFromInclusionProof(seq, p.treeSize, leaf, hexHashes(p.hashes, `entry ${seq}'s proof`));
    if (typeof computed === "string") throw new BundleProblem(`entry ${seq}: ${computed}`, seq);
    if (!computed.equals(known.root)) throw new BundleProblem(`entry ${seq} is not in the tree of the checkpoint at line ${known.line}`, seq);
  }

  private checkpoint(note: unknown): void {
    this.begun = true;
    if (typeof note !== "string") throw new BundleProblem("a checkpoint line has a note string");
    const verifiers = this.verifiers();
    if (verifiers.length === 0) throw new BundleProblem("a checkpoint came before any verifier key");
    const body = this.openCheckpoint(note, verifiers);
    if (body.size < this.start) {
      throw new BundleProblem(`the checkpoint of size ${body.size} is from before the log's start (seq ${this.start}); a bundle that starts there carries none`);
    }
    const seen = this.roots.get(body.size);
    if (seen && !seen.root.equals(body.rootHash)) {
      throw new BundleProblem(`two signed checkpoints of size ${body.size} with different roots (lines ${seen.line} and ${this.lineNo}): the log forked`);
    }
    this.roots.set(body.size, { root: body.rootHash, line: this.lineNo });
    this.checkpoints += 1;
    const cosignedBy = this.policy ? this.cosigners(note, this.policy) : [];
    if (this.policy && quorumMet(this.policy, new Set(cosignedBy))) this.witnessedSize = Math.max(this.witnessedSize ?? 0, body.size);
    if (!this.largest || body.size > this.largest.size) {
      this.largest = { size: body.size, root: body.rootHash };
      this.largestCosignedBy = cosignedBy;
    } else if (body.size === this.largest.size) {
      this.largestCosignedBy = [...new Set([...this.largestCosignedBy, ...cosignedBy])];
    }
    if (this.complete && body.size <= this.tree.size) {
      // Only possible for a checkpoint placed after later entries; compare against the rebuilt root now.
      if (body.size === this.tree.size) this.compareRoot(body.size, this.lineNo);
      else throw new BundleProblem(`the checkpoint of size ${body.size} comes after entry ${this.tree.size - 1}; a bundle places each checkpoint right after its last entry`);
    } else {
      this.pending.set(body.size, this.lineNo);
    }
    if (this.sinceCheckpoint && this.sinceCheckpoint.size === body.size) this.compareSince();
  }

  /** The policy's witnesses whose cosignatures on `note` verify; a known witness's line that does not verify fails the bundle. */
  private cosigners(note: string, policy: WitnessPolicy): string[] {
    try {
      return [
        ...cosignedWitnesses(
          policy,
          verifyCosignatures(
            note,
            policy.witnesses.map((w) => w.verifier),
          ),
        ),
      ];
    } catch (error) {
      throw new BundleProblem(`the checkpoint at line ${this.lineNo}: ${(error as Error).message}`);
    }
  }

  /** With a policy: the bundle's last checkpoint carries its quorum of cosignatures, or why not. */
  private witnessProblem(): Failure | null {
    const policy = this.policy;
    if (!policy || !this.largest || quorumMet(policy, new Set(this.largestCosignedBy))) return null;
    const by = this.largestCosignedBy.length === 0 ? "none of the policy's witnesses" : this.largestCosignedBy.join(", ");
    const earlier = this.witnessedSize === null ? "no checkpoint in the bundle meets it" : `the largest checkpoint that meets it has tree size ${this.witnessedSize}`;
    return {
      problem: `the bundle's last checkpoint (tree size ${this.largest.size}) is cosigned by ${by}: the policy's quorum (${describeQuorum(policy)}) is not met, so no witness vouches that this is the log everyone else sees (${earlier})`,
      seq: null,
      line: this.roots.get(this.largest.size)?.line ?? null,
    };
  }

  /** Opens a checkpoint note: a verified signature by a key named for the log the checkpoint is of (the key name is the origin), and that origin this bundle's. */
  private openCheckpoint(note: string, verifiers: readonly NoteVerifier[]): ReturnType<typeof parseCheckpoint> {
    const opened = openNote(note, verifiers);
    const body = parseCheckpoint(opened.text);
    this.setOrigin(body.origin);
    if (!opened.verified.some((key) => key.name === body.origin)) {
      const names = [...new Set(opened.verified.map((key) => key.name))].map((name) => JSON.stringify(name)).join(", ");
      throw new BundleProblem(`the checkpoint of ${JSON.stringify(body.origin)} is signed only by a key of ${names}, not by that log's key`);
    }
    return body;
  }

  private compareRoot(size: number, line: number): void {
    this.pending.delete(size);
    const expected = this.roots.get(size);
    if (expected && !this.tree.root().equals(expected.root)) {
      throw new BundleProblem(
        `the entries up to seq ${size - 1} do not match the signed checkpoint at line ${line} (an entry before it was altered, added or removed, or the log forked)`,
        size - 1,
      );
    }
  }

  private compareSince(): void {
    const since = this.sinceCheckpoint as { size: number; root: Buffer };
    const root = this.roots.get(since.size)?.root ?? (this.complete && this.tree.size === since.size ? this.tree.root() : null);
    if (!root) return;
    if (!root.equals(since.root))
      throw new BundleProblem(`the log at size ${since.size} differs from your saved checkpoint: it was rewritten, not only appended to`, since.size - 1);
    this.sinceConsistent = true;
  }

  private consistency(record: Record<string, unknown>): void {
    this.begun = true;
    const { size1, size2 } = record;
    if (typeof size1 !== "number" || typeof size2 !== "number") throw new BundleProblem("a consistency line has size1 and size2");
    const root1 = size1 === this.sinceCheckpoint?.size ? this.sinceCheckpoint.root : this.roots.get(size1)?.root;
    const root2 = this.roots.get(size2)?.root;
    if (!root1 || !root2) throw new BundleProblem(`a consistency proof from ${size1} to ${size2} needs both checkpoints before it`);
    const result = verifyConsistency(size1, size2, hexHashes(record.proof, "a consistency proof"), root1, root2);
    if (!result.ok) throw new BundleProblem(`the log of size ${size2} is not an extension of size ${size1}: ${result.reason}`);
    if (size1 === this.sinceCheckpoint?.size) this.sinceConsistent = true;
    const prefixes = this.prefixesOf.get(size2);
    if (prefixes) prefixes.push(size1);
    else this.prefixesOf.set(size2, [size1]);
  }

  /** The tree sizes consistency proofs show to be prefixes of the tree of `size` (itself included). */
  private provenPrefixes(size: number): Set<number> {
    const seen = new Set<number>();
    const queue = [size];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      for (const prefix of this.prefixesOf.get(next) ?? []) queue.push(prefix);
    }
    return seen;
  }

  private openSince(): void {
    const note = this.sinceNote;
    if (note === undefined) return;
    this.sinceNote = undefined;
    try {
      const body = this.openCheckpoint(note, this.verifiers());
      this.sinceCheckpoint = { size: body.size, root: body.rootHash, origin: body.origin };
      this.sinceConsistent = body.size === 0;
    } catch (error) {
      throw new BundleProblem(`your saved checkpoint: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The entries past the largest signed checkpoint, once the whole bundle was read. */
  private unsignedTail(): UnsignedEntries | null {
    const signed = this.largest?.size ?? 0;
    if (this.checkpoints === 0 || this.tree.size <= signed) return null;
    return { count: this.tree.size - signed, firstSeq: signed, lastSeq: this.tree.size - 1 };
  }

  /** What the bundle as a whole fails on once every line passed, before its unsigned tail: the first of the checks that need its end. */
  private endProblem(): Failure | null {
    const fail = (problem: string, seq: number | null = null): Failure => ({ problem, seq, line: null });
    if (this.records === 0) return fail("the bundle is empty: it has no header, key, entry or checkpoint");
    if (this.checkpoints === 0) {
      return this.entries === 0
        ? fail("the bundle has no signed checkpoint")
        : fail(`the bundle has no signed checkpoint, so nothing ties its ${entryCount(this.entries)} to the log`, this.complete ? this.start : null);
    }
    const largest = this.largest as { size: number; root: Buffer };
    if (this.complete && this.pending.size > 0) {
      const size = Math.min(...this.pending.keys());
      return fail(`the bundle ends after ${entryCount(this.tree.size)}, but the checkpoint at line ${this.pending.get(size)} covers ${size}: entries were cut off`, this.tree.size);
    }
    if (this.claimedSize !== null) {
      const claimed = this.roots.get(this.claimedSize);
      if (!claimed) {
        return fail(
          `the bundle says it covers ${entryCount(this.claimedSize)}, but it ends without the checkpoint of that size: it was cut off`,
          this.complete ? this.tree.size : null,
        );
      }
      if (largest.size !== this.claimedSize) return fail(`the bundle says it covers ${entryCount(this.claimedSize)}, but it holds a signed checkpoint of size ${largest.size}`);
      if (this.claimedRoot !== null && this.claimedRoot !== toHex(claimed.root)) {
        return fail(`the bundle's header names root ${this.claimedRoot} for tree size ${this.claimedSize}, but the signed checkpoint of that size has root ${toHex(claimed.root)}`);
      }
    }
    if (!this.complete) {
      const prefixes = this.provenPrefixes(largest.size);
      for (const [size, { line }] of this.roots) {
        if (!prefixes.has(size)) {
          return fail(
            `the checkpoint of size ${size} at line ${line} is not proven to be part of the log of size ${largest.size}: a filtered bundle carries a consistency proof from each smaller checkpoint to its largest`,
          );
        }
      }
    }
    return null;
  }

  private unsignedProblem(unsigned: UnsignedEntries): Failure {
    const one = unsigned.count === 1;
    return {
      problem: `${describeUnsigned(unsigned)} after the last signed checkpoint (tree size ${unsigned.firstSeq}): no signature covers ${one ? "it" : "them"}, so nothing shows ${one ? "it is" : "they are"} the log's`,
      seq: unsigned.firstSeq,
      line: this.tailStart?.seq === unsigned.firstSeq ? this.tailStart.line : null,
    };
  }

  private sinceProblem(): Failure | null {
    if (!this.sinceCheckpoint || this.sinceConsistent) return null;
    const reached = this.largest?.size ?? 0;
    return {
      problem:
        this.sinceCheckpoint.size < this.start
          ? `your saved checkpoint has size ${this.sinceCheckpoint.size}, but this bundle starts at seq ${this.start} (the entries before it were dropped under the org's retention): it cannot show the log only grew since`
          : this.sinceCheckpoint.size > reached
            ? `your saved checkpoint has size ${this.sinceCheckpoint.size}, but this bundle only reaches ${reached}: the log shrank or the bundle is older`
            : `this bundle holds no proof that the log of size ${this.sinceCheckpoint.size} grew into it (export it whole, or with sinceSize)`,
      seq: null,
      line: null,
    };
  }

  finish(): BundleReport {
    if (!this.failure) {
      try {
        this.openSince();
      } catch (error) {
        this.failure = { problem: (error as Error).message, seq: null, line: null };
      }
    }
    // The unsigned tail is reported when it is all there is to say: the bundle is otherwise valid.
    let unsigned: UnsignedEntries | null = null;
    if (!this.failure) {
      this.failure = this.endProblem();
      unsigned = this.failure ? null : this.unsignedTail();
      if (unsigned && !this.options.allowUnsigned) this.failure = this.unsignedProblem(unsigned);
      this.failure ??= this.sinceProblem();
      this.failure ??= this.witnessProblem();
    }
    const failure = this.failure;
    return {
      valid: failure === null,
      checkedEntries: this.entries,
      checkedCheckpoints: this.checkpoints,
      complete: this.complete && this.entries > 0,
      startSize: this.start,
      treeSize: this.largest?.size ?? null,
      rootHash: this.largest ? toHex(this.largest.root) : null,
      origin: this.origin,
      keysFrom: this.trusted.length > 0 ? "options" : "bundle",
      keys: this.verifiers().map((v) => v.vkey),
      unsigned,
      since: this.sinceCheckpoint ? { treeSize: this.sinceCheckpoint.size, rootHash: toHex(this.sinceCheckpoint.root), consistent: this.sinceConsistent } : null,
      witnesses: this.policy ? { quorum: describeQuorum(this.policy), cosignedBy: this.largestCosignedBy, witnessedTreeSize: this.witnessedSize } : null,
      firstBrokenSeq: failure?.seq ?? null,
      firstBadLine: failure?.line ?? null,
      problem: failure?.problem ?? null,
    };
  }
}

export type BundleSource = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** Splits a byte or text stream into lines (UTF-8), holding at most one chunk plus a partial line. */
export async function* linesOf(source: BundleSource): AsyncGenerator<string> {
  if (typeof source === "string") {
    yield* source.split("\n");
    return;
  }
  const chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array> = source instanceof Uint8Array ? [source] : source;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const buffer = rest.length > 0 ? Buffer.concat([rest, bytes]) : bytes;
    let start = 0;
    for (let nl = buffer.indexOf(10); nl >= 0; nl = buffer.indexOf(10, start)) {
      yield buffer.toString("utf8", start, nl);
      start = nl + 1;
    }
    rest = Buffer.from(buffer.subarray(start));
  }
  if (rest.length > 0) yield rest.toString("utf8");
}

/**
 * Checks a whole bundle: every leaf, the tree against every checkpoint, every signature, and with
 * `since` that the log only grew. Resolves to a report; never throws for a bad bundle.
 */
export async function verifyBundle(source: BundleSource, options: BundleOptions = {}): Promise<BundleReport> {
  const verifier = new BundleVerifier(options);
  for await (const line of linesOf(source)) {
    verifier.line(line);
    if (verifier.failed) break;
  }
  return verifier.finish();
}
