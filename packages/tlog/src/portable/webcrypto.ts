/**
 * Proofs and signed notes checked with WebCrypto (`globalThis.crypto.subtle`: SHA-256, Ed25519), so
 * that a client can check what the server answers on any runtime with no node: module: Node ≥ 20
 * (Ed25519 in WebCrypto), Deno, Bun, browsers, edge workers. Asynchronous, as WebCrypto is.
 */
import { bytesEqual, concatBytes, readUint32BE } from "./bytes";
import { KEY_HASH_MISMATCH, keyHashInput, matchSignatures, openedNote, parseVerifierKeyParts, splitNote, type OpenedNote, type VerifierKeyParts } from "./note";
import { consistencySteps, consistencyVerdict, FORKED, inclusionSides, type ProofCheck } from "./proof-steps";

type Subtle = typeof globalThis.crypto.subtle;
type WebCryptoKey = Awaited<ReturnType<Subtle["importKey"]>>;

function subtle(): Subtle {
  const crypto = globalThis.crypto as typeof globalThis.crypto | undefined;
  if (crypto?.subtle === undefined) throw new Error("this runtime has no WebCrypto (globalThis.crypto.subtle)");
  return crypto.subtle;
}

export async function sha256Web(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().digest("SHA-256", data));
}

/** Interior node: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildrenWeb(left: Uint8Array, right: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return sha256Web(concatBytes(Uint8Array.of(1), left, right));
}

/** RFC 9162 §2.1.3.2: does `proof` lead from `leafHash` at `index` to `root` in the tree of `size`? */
export async function verifyInclusionWeb(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): Promise<ProofCheck> {
  const sides = inclusionSides(index, size, proof.length);
  if (typeof sides === "string") return { ok: false, reason: sides };
  let r: Uint8Array = leafHash;
  for (const [i, p] of proof.entries()) r = sides[i] ? await hashChildrenWeb(p, r) : await hashChildrenWeb(r, p);
  return bytesEqual(r, root) ? { ok: true } : { ok: false, reason: "the proof leads to a different root" };
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `size1` (root1) is a prefix of the tree of `size2` (root2)? */
export async function verifyConsistencyWeb(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): Promise<ProofCheck> {
  const steps = consistencySteps(size1, size2, proof.length);
  if (typeof steps === "string") return { ok: false, reason: steps };
  if (steps.kind === "equal") return bytesEqual(root1, root2) ? { ok: true } : FORKED;
  if (steps.kind === "empty") return { ok: true };
  const path = steps.seedWithRoot1 ? [root1, ...proof] : proof;
  let fr = path[0] as Uint8Array;
  let sr: Uint8Array = fr;
  for (const [i, both] of steps.both.entries()) {
    const c = path[i + 1] as Uint8Array;
    if (both) {
      fr = await hashChildrenWeb(c, fr);
      sr = await hashChildrenWeb(c, sr);
    } else {
      sr = await hashChildrenWeb(sr, c);
    }
  }
  return consistencyVerdict(size1, size2, bytesEqual(fr, root1), bytesEqual(sr, root2));
}

/** A signed-note verifier key, ready for WebCrypto. */
export interface WebNoteVerifier extends VerifierKeyParts {
  key: WebCryptoKey;
}

/** Parses and imports "<name>+<hash>+<key>"; rejects with a TypeError saying what is wrong. */
export async function parseVerifierKeyWeb(vkey: string): Promise<WebNoteVerifier> {
  const parts = parseVerifierKeyParts(vkey);
  if (readUint32BE(await sha256Web(keyHashInput(parts.name, parts.publicKey))) !== parts.keyHash) throw new TypeError(KEY_HASH_MISMATCH);
  return { ...parts, key: await subtle().importKey("raw", parts.publicKey, { name: "Ed25519" }, false, ["verify"]) };
}

/** Splits a signed note and checks its signatures against `verifiers`: see `openedNote` for what fails. */
export async function openNoteWeb(note: string, verifiers: readonly WebNoteVerifier[]): Promise<OpenedNote> {
  const split = splitNote(note);
  const matched = matchSignatures(split, verifiers);
  const message = new TextEncoder().encode(split.text);
  const valid = await Promise.all(matched.known.map(({ key, signature }) => subtle().verify({ name: "Ed25519" }, key.key, signature, message)));
  return openedNote(split.text, matched, valid);
}
