// Checks an audit entry's inclusion proof in the browser with WebCrypto alone, so the answer rests on
// the auditor's own machine doing the math and on the org's verifier key, not on the server's word:
// the RFC 9162 §2.1.3.2 path walk from the leaf to a root, that root against the C2SP
// tlog-checkpoint body, and the checkpoint's C2SP signed-note Ed25519 signature. The math is
// @gatehouse/tlog's portable code (no node: module), the same the SDK's offline verifier runs;
// this file only says each step in words.

import {
  bytesEqual,
  bytesToHex,
  concatBytes,
  hashBytesFromHex,
  hashChildrenWeb,
  inclusionSides,
  openNoteWeb,
  parseCheckpointText,
  parseVerifierKeyWeb,
  sha256Web,
  splitNote,
  type WebNoteVerifier,
} from "@gatehouse/tlog/portable";
import { countOf } from "./format";

/** What the server sent for one entry: its inclusion proof and the signed checkpoint it leads to. */
export interface InclusionClaim {
  /** The entry as the log lists it, with the exact canonical text its leaf hash was computed from. */
  seq: number;
  leafHash: string;
  canonical: string;
  /** The proof the server computed for it. */
  proof: { seq: number; leafHash: string; treeSize: number; proof: readonly string[]; checkpoint: { note: string } | null };
  /** The org's published verifier keys (`<name>+<hash>+<base64 key>`). */
  vkeys: readonly string[];
}

export interface VerificationStep {
  label: string;
  ok: boolean;
  detail: string;
}

/** Valid when every step passed; the steps stop at the first that failed. */
export interface InclusionVerdict {
  valid: boolean;
  steps: VerificationStep[];
}

const short = (hex: string) => `${hex.slice(0, 12)}…`;
const entries = (n: number) => countOf(n, "entry", "entries");
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A 32-byte hash from hex, or null. */
function hashOf(hex: string): Uint8Array<ArrayBuffer> | null {
  try {
    return hashBytesFromHex(hex);
  } catch {
    return null;
  }
}

/**
 * RFC 9162 §2.1.3.2: the root that `proof` yields for `leaf` at `index` in a tree of `size` leaves,
 * or why no root comes out of it (tlog's inclusionSides says which side each hash joins on).
 */
async function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Promise<Uint8Array | string> {
  const sides = inclusionSides(index, size, proof.length);
  if (typeof sides === "string") return sides;
  let r: Uint8Array = leaf;
  for (const [i, p] of proof.entries()) r = sides[i] ? await hashChildrenWeb(p, r) : await hashChildrenWeb(r, p);
  return r;
}

/** The verdict on the checkpoint's signatures by the org's published keys (the keys that do not parse are left out). */
async function checkSignature(note: string, vkeys: readonly string[]): Promise<{ ok: boolean; detail: string }> {
  const keys: WebNoteVerifier[] = [];
  for (const vkey of vkeys) {
    try {
      keys.push(await parseVerifierKeyWeb(vkey));
    } catch (error) {
      if (!(error instanceof TypeError)) return { ok: false, detail: `This browser could not check an Ed25519 signature (${reason(error)}).` };
    }
  }
  try {
    const opened = await openNoteWeb(note, keys);
    const [signer] = opened.verified;
    return { ok: true, detail: `Signed by ${signer?.vkey.split("+").slice(0, 2).join("+")}, one of the org's published verifier keys.` };
  } catch (error) {
    const message = reason(error);
    if (message.includes("no signature by a known key")) return { ok: false, detail: "The checkpoint carries no signature by any of the org's verifier keys." };
    if (message.includes("does not verify")) return { ok: false, detail: `The ${message.replace(/^the /, "")}: the checkpoint was altered or forged.` };
    return { ok: false, detail: `This browser could not check an Ed25519 signature (${message}).` };
  }
}

/**
 * Verifies that the listed entry is in the log the org's key signed: the proof is for this entry's
 * leaf, its audit path leads to a root, and that root and tree size are what the signed checkpoint
 * says, under a valid signature by a published key.
 */
export async function verifyEntryInclusion(claim: InclusionClaim): Promise<InclusionVerdict> {
  const steps: VerificationStep[] = [];
  const pass = (label: string, detail: string) => void steps.push({ label, ok: true, detail });
  const fail = (label: string, detail: string): InclusionVerdict => {
    steps.push({ label, ok: false, detail });
    return { valid: false, steps };
  };
  try {
    const { proof } = claim;
    const leaf = hashOf(claim.leafHash);
    if (proof.seq !== claim.seq || proof.leafHash !== claim.leafHash) {
      return fail("Leaf", `The proof is for entry #${proof.seq} (leaf hash ${short(proof.leafHash)}), not the entry listed.`);
    }
    if (!leaf) return fail("Leaf", "The entry's leaf hash is not 32 bytes of hex.");
    const recomputed = bytesToHex(await sha256Web(concatBytes(Uint8Array.of(0), new TextEncoder().encode(claim.canonical))));
    if (recomputed !== claim.leafHash) return fail("Leaf", `SHA-256(0x00 ‖ canonical text) is ${short(recomputed)}, not the listed leaf hash: the entry's content was altered.`);
    pass("Leaf", `SHA-256(0x00 ‖ canonical text) is the leaf hash (${short(claim.leafHash)}), and the proof is for entry #${claim.seq}.`);

    const path = proof.proof.map(hashOf);
    if (path.some((p) => p === null)) return fail("Audit path", "A proof hash is not 32 bytes of hex.");
    const root = await rootFromInclusionProof(proof.seq, proof.treeSize, leaf, path as Uint8Array[]);
    if (typeof root === "string") return fail("Audit path", `No root: ${root}.`);
    const hashes = path.length === 0 ? "The leaf is the only one, so it is" : path.length === 1 ? "1 hash leads from the leaf to" : `${path.length} hashes lead from the leaf to`;
    pass("Audit path", `${hashes} the root (${short(bytesToHex(root))}) of a tree of ${entries(proof.treeSize)}.`);

    if (!proof.checkpoint) return fail("Checkpoint", "No signed checkpoint came with the proof.");
    let body: ReturnType<typeof parseCheckpointText>;
    try {
      body = parseCheckpointText(splitNote(proof.checkpoint.note).text);
    } catch (error) {
      return fail("Checkpoint", `Malformed checkpoint: ${reason(error)}.`);
    }
    if (body.size !== proof.treeSize) {
      return fail("Checkpoint", `The checkpoint signs a tree of ${entries(body.size)}; the proof is for ${entries(proof.treeSize)}.`);
    }
    if (!bytesEqual(body.rootHash, root)) {
      return fail("Checkpoint", `The computed root differs from the checkpoint's root (${short(bytesToHex(body.rootHash))}).`);
    }
    pass("Checkpoint", `The checkpoint of ${body.origin} for ${entries(body.size)} has this root.`);

    const signature = await checkSignature(proof.checkpoint.note, claim.vkeys);
    if (!signature.ok) return fail("Signature", signature.detail);
    pass("Signature", signature.detail);
    return { valid: true, steps };
  } catch (error) {
    return fail("Verification", reason(error));
  }
}
