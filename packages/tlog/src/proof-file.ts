import { parseCheckpoint } from "./checkpoint";
import { verifyCosignatures } from "./cosignature";
import { hashLeaf, toHex } from "./hash";
import { openNote, parseVerifierKey, type NoteVerifier } from "./note";
import { cosignedWitnesses, describeQuorum, parseWitnessPolicy, quorumMet, type WitnessPolicy } from "./policy";
import { base64ToBytes, bytesToBase64 } from "./portable/bytes";
import { hashBytesFromBase64 } from "./portable/checkpoint";
import { rootFromInclusionProof } from "./verify";

/**
 * C2SP tlog-proof (https://c2sp.org/tlog-proof): one entry's offline evidence in one text file —
 *
 *   c2sp.org/tlog-proof@v1
 *   extra <base64>          the entry: its canonical JSON (the exact text the leaf hash is of)
 *   index <seq>
 *   <base64 hash>...        the RFC 6962 inclusion proof, leaf's sibling first
 *                           (blank line)
 *   <checkpoint>            the signed checkpoint, with the witnesses' cosignatures
 *
 * `extra` is not authenticated by itself: it is hashed into the leaf, and the leaf is proven into
 * the checkpoint's root, so an altered entry fails the proof.
 */
export const TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1";
/** A proof file is small: the entry (≤ 1 MiB), ≤ 63 hashes and a checkpoint with ≤ 100 signatures. */
export const TLOG_PROOF_MAX_BYTES = 2 * 1024 * 1024;

export interface TlogProof {
  extra: Uint8Array | null;
  index: number;
  proof: Buffer[];
  /** The checkpoint, verbatim (a signed note). */
  checkpoint: string;
}

export function formatTlogProof(proof: TlogProof): string {
  const lines = [TLOG_PROOF_HEADER];
  if (proof.extra) lines.push(`extra ${bytesToBase64(proof.extra)}`);
  lines.push(`index ${proof.index}`, ...proof.proof.map((h) => h.toString("base64")));
  return `${lines.join("\n")}\n\n${proof.checkpoint}`;
}

/** Parses a proof file; throws a TypeError naming what is wrong. */
export function parseTlogProof(text: string): TlogProof {
  if (text.length > TLOG_PROOF_MAX_BYTES) throw new TypeError(`a proof file is at most ${TLOG_PROOF_MAX_BYTES} bytes`);
  const split = text.indexOf("\n\n");
  if (split < 0) throw new TypeError("a proof file has a blank line before its checkpoint");
  const head = text.slice(0, split).split("\n");
  const checkpoint = text.slice(split + 2);
  if (head[0] !== TLOG_PROOF_HEADER) throw new TypeError(`a proof file starts with ${TLOG_PROOF_HEADER}`);
  let at = 1;
  let extra: Uint8Array | null = null;
  if (head[at]?.startsWith("extra ")) {
    try {
      extra = base64ToBytes((head[at] as string).slice(6));
    } catch {
      throw new TypeError("the extra line is not base64");
    }
    at += 1;
  }
  const indexLine = head[at] ?? "";
  if (!/^index (0|[1-9][0-9]*)$/.test(indexLine)) throw new TypeError("the index line reads: index <decimal, no leading zeroes>");
  const index = Number(indexLine.slice(6));
  if (!Number.isSafeInteger(index)) throw new TypeError("the index is too large");
  const hashes = head.slice(at + 1);
  if (hashes.length > 63) throw new TypeError("an inclusion proof has at most 63 hashes");
  const proof = hashes.map((line, i) => Buffer.from(hashBytesFromBase64(line, `proof line ${i + 1}`)));
  return { extra, index, proof, checkpoint };
}

export interface TlogProofOptions {
  /** Log keys (C2SP vkeys) to trust, besides the policy's log lines. */
  keys?: readonly string[];
  /** A C2SP tlog-policy: its quorum of witnesses must have cosigned the checkpoint. */
  policy?: string | WitnessPolicy;
}

export interface TlogProofReport {
  valid: boolean;
  problem: string | null;
  index: number | null;
  origin: string | null;
  treeSize: number | null;
  rootHash: string | null;
  leafHash: string | null;
  /** The entry as the proof carries it (its canonical JSON parsed), once its leaf was proven. */
  entry: unknown;
  /** The policy's witnesses that cosigned the checkpoint, by their names in the policy. */
  cosignedBy: string[];
  quorum: string | null;
}

/**
 * Checks a proof file on its own, offline: the checkpoint is signed by a trusted log key named for
 * its origin, the policy's quorum of witnesses cosigned it, and the entry (the `extra` line) is at
 * `index` in that tree. Never throws for a bad proof; the report says why.
 */
export function verifyTlogProof(text: string, options: TlogProofOptions = {}): TlogProofReport {
  const report: TlogProofReport = {
    valid: false,
    problem: null,
    index: null,
    origin: null,
    treeSize: null,
    rootHash: null,
    leafHash: null,
    entry: null,
    cosignedBy: [],
    quorum: null,
  };
  try {
    const policy = typeof options.policy === "string" ? parseWitnessPolicy(options.policy) : (options.policy ?? null);
    const logKeys: NoteVerifier[] = [...(options.keys ?? []).map((k) => parseVerifierKey(k)), ...(policy?.logs.map((l) => l.verifier) ?? [])];
    if (logKeys.length === 0) throw new Error("no log key to check the checkpoint with (give --key, or a policy with a log line)");
    const proof = parseTlogProof(text);
    report.index = proof.index;
    const opened = openNote(proof.checkpoint, logKeys);
    const body = parseCheckpoint(opened.text);
    report.origin = body.origin;
    report.treeSize = body.size;
    report.rootHash = toHex(body.rootHash);
    if (!opened.verified.some((key) => key.name === body.origin)) throw new Error(`the checkpoint of ${JSON.stringify(body.origin)} is not signed by that log's key`);
    if (policy) {
      report.quorum = describeQuorum(policy);
      const cosigned = cosignedWitnesses(
        policy,
        verifyCosignatures(
          proof.checkpoint,
          policy.witnesses.map((w) => w.verifier),
        ),
      );
      report.cosignedBy = [...cosigned];
      if (!quorumMet(policy, cosigned)) {
        throw new Error(
          `the checkpoint (tree size ${body.size}) is cosigned by ${cosigned.size === 0 ? "none of the policy's witnesses" : [...cosigned].join(", ")}: the policy's quorum (${report.quorum}) is not met`,
        );
      }
    }
    if (!proof.extra) throw new Error("the proof has no extra line: it does not carry the entry");
    const canonical = new TextDecoder("utf-8", { fatal: true }).decode(proof.extra);
    const leaf = hashLeaf(canonical);
    report.leafHash = toHex(leaf);
    const root = rootFromInclusionProof(proof.index, body.size, leaf, proof.proof);
    if (typeof root === "string") throw new Error(`the inclusion proof: ${root}`);
    if (!root.equals(body.rootHash)) throw new Error(`the entry is not at index ${proof.index} of this checkpoint's tree (the entry or the proof was altered)`);
    report.entry = JSON.parse(canonical);
    report.valid = true;
  } catch (error) {
    report.problem = (error as Error).message;
  }
  return report;
}
