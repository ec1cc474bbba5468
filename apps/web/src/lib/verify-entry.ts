// Checks an audit entry's inclusion proof in the browser with WebCrypto alone, so the answer rests on
// the auditor's own machine doing the math and on the org's verifier key, not on the server's word:
// the RFC 9162 §2.1.3.2 path walk from the leaf to a root, that root against the C2SP
// tlog-checkpoint body, and the checkpoint's C2SP signed-note Ed25519 signature.

import { countOf } from "./format";

type Bytes = Uint8Array<ArrayBuffer>;

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

const ED25519 = 0x01;
const SIGNATURE_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/;

function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  if (!api) throw new Error("this page is not a secure context (https or localhost), so the browser offers no WebCrypto");
  return api;
}

async function sha256(...parts: Uint8Array[]): Promise<Bytes> {
  const data = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await subtle().digest("SHA-256", data));
}

const NODE_PREFIX = Uint8Array.of(1);

/** RFC 6962 interior node: SHA-256(0x01 ‖ left ‖ right). */
const hashChildren = (left: Uint8Array, right: Uint8Array) => sha256(NODE_PREFIX, left, right);

function fromHex(hex: string): Bytes | null {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Standard base64 with padding, strictly (what the note formats use); null for anything else. */
function fromBase64(text: string): Bytes | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return btoa(binary) === text ? out : null;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

const short = (hex: string) => `${hex.slice(0, 12)}…`;
const entries = (n: number) => countOf(n, "entry", "entries");

/**
 * RFC 9162 §2.1.3.2: the root that `proof` yields for `leaf` at `index` in a tree of `size` leaves,
 * or why no root comes out of it.
 */
async function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Promise<Bytes | string> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return `leaf ${index} is outside a tree of ${size} leaves`;
  }
  let fn = index;
  let sn = size - 1;
  let r: Bytes = new Uint8Array(leaf);
  for (const p of proof) {
    if (sn === 0) return "the proof is longer than the tree is deep";
    if (fn % 2 === 1 || fn === sn) {
      r = await hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : "the proof is shorter than the tree is deep";
}

/** A C2SP signed note split into its text and signature lines. */
interface SignedNote {
  text: string;
  signatures: Array<{ name: string; keyHash: number; signature: Bytes }>;
}

function parseSignedNote(note: string): SignedNote | string {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) return "the note has no signature block";
  const signatures: SignedNote["signatures"] = [];
  for (const line of note.slice(split + 2, -1).split("\n")) {
    const match = SIGNATURE_LINE.exec(line);
    const blob = match ? fromBase64(match[2] as string) : null;
    if (!match || !blob || blob.length < 5) return `malformed signature line: ${line.slice(0, 80)}`;
    const keyHash = new DataView(blob.buffer).getUint32(0);
    signatures.push({ name: match[1] as string, keyHash, signature: blob.slice(4) });
  }
  return { text: note.slice(0, split + 1), signatures };
}

/** The C2SP tlog-checkpoint body: origin, tree size, base64 root hash (then optional extension lines). */
function parseCheckpointBody(text: string): { origin: string; size: number; root: Bytes } | string {
  const [origin, sizeText, rootText] = text.slice(0, -1).split("\n");
  if (!origin) return "the checkpoint has no origin line";
  if (!sizeText || !/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    return "the checkpoint's second line is not a tree size";
  }
  const root = rootText ? fromBase64(rootText) : null;
  if (!root || root.length !== 32) return "the checkpoint's third line is not a base64 SHA-256 root";
  return { origin, size: Number(sizeText), root };
}

interface VerifierKey {
  name: string;
  keyHash: number;
  publicKey: Bytes;
  vkey: string;
}

/** `<name>+<8 hex key hash>+<base64(0x01 ‖ Ed25519 public key)>`, its hash checked. */
async function parseVerifierKey(vkey: string): Promise<VerifierKey | string> {
  // A name has no "+", but base64 may: split at the first two.
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(vkey.trim());
  if (!match) return "a verifier key reads <name>+<8 hex digits>+<base64 key>";
  const [, name = "", hashHex = "", encoded = ""] = match;
  const bytes = fromBase64(encoded);
  if (!bytes || bytes.length !== 33 || bytes[0] !== ED25519) return "only Ed25519 verifier keys are supported";
  const publicKey = bytes.slice(1);
  const digest = await sha256(new TextEncoder().encode(`${name}\n`), Uint8Array.of(ED25519), publicKey);
  const keyHash = new DataView(digest.buffer).getUint32(0);
  if (keyHash !== Number.parseInt(hashHex, 16)) return "the verifier key's hash does not match its name and key";
  return { name, keyHash, publicKey, vkey: vkey.trim() };
}

/** The first signature on `note` by one of `keys` that verifies, or why none does. */
async function checkSignature(note: SignedNote, keys: readonly VerifierKey[]): Promise<{ ok: boolean; detail: string }> {
  const message = new TextEncoder().encode(note.text);
  for (const signature of note.signatures) {
    const key = keys.find((k) => k.name === signature.name && k.keyHash === signature.keyHash);
    if (!key) continue;
    let ok: boolean;
    try {
      const imported = await subtle().importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
      ok = await subtle().verify({ name: "Ed25519" }, imported, signature.signature, message);
    } catch (error) {
      return { ok: false, detail: `This browser could not check an Ed25519 signature (${error instanceof Error ? error.message : String(error)}).` };
    }
    return ok
      ? { ok: true, detail: `Signed by ${key.vkey.split("+").slice(0, 2).join("+")}, one of the org's published verifier keys.` }
      : { ok: false, detail: `The signature by ${signature.name} does not verify: the checkpoint was altered or forged.` };
  }
  return { ok: false, detail: "The checkpoint carries no signature by any of the org's verifier keys." };
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
    const leaf = fromHex(claim.leafHash);
    if (proof.seq !== claim.seq || proof.leafHash !== claim.leafHash) {
      return fail("Leaf", `The proof is for entry #${proof.seq} (leaf hash ${short(proof.leafHash)}), not the entry listed.`);
    }
    if (leaf?.length !== 32) return fail("Leaf", "The entry's leaf hash is not 32 bytes of hex.");
    const recomputed = toHex(await sha256(Uint8Array.of(0), new TextEncoder().encode(claim.canonical)));
    if (recomputed !== claim.leafHash) return fail("Leaf", `SHA-256(0x00 ‖ canonical text) is ${short(recomputed)}, not the listed leaf hash: the entry's content was altered.`);
    pass("Leaf", `SHA-256(0x00 ‖ canonical text) is the leaf hash (${short(claim.leafHash)}), and the proof is for entry #${claim.seq}.`);

    const path = proof.proof.map(fromHex);
    if (path.some((p) => p?.length !== 32)) return fail("Audit path", "A proof hash is not 32 bytes of hex.");
    const root = await rootFromInclusionProof(proof.seq, proof.treeSize, leaf, path as Bytes[]);
    if (typeof root === "string") return fail("Audit path", `No root: ${root}.`);
    const hashes = path.length === 0 ? "The leaf is the only one, so it is" : path.length === 1 ? "1 hash leads from the leaf to" : `${path.length} hashes lead from the leaf to`;
    pass("Audit path", `${hashes} the root (${short(toHex(root))}) of a tree of ${entries(proof.treeSize)}.`);

    if (!proof.checkpoint) return fail("Checkpoint", "No signed checkpoint came with the proof.");
    const note = parseSignedNote(proof.checkpoint.note);
    if (typeof note === "string") return fail("Checkpoint", `Malformed checkpoint: ${note}.`);
    const body = parseCheckpointBody(note.text);
    if (typeof body === "string") return fail("Checkpoint", `Malformed checkpoint: ${body}.`);
    if (body.size !== proof.treeSize) {
      return fail("Checkpoint", `The checkpoint signs a tree of ${entries(body.size)}; the proof is for ${entries(proof.treeSize)}.`);
    }
    if (!sameBytes(body.root, root)) {
      return fail("Checkpoint", `The computed root differs from the checkpoint's root (${short(toHex(body.root))}).`);
    }
    pass("Checkpoint", `The checkpoint of ${body.origin} for ${entries(body.size)} has this root.`);

    const keys: VerifierKey[] = [];
    for (const vkey of claim.vkeys) {
      const parsed = await parseVerifierKey(vkey);
      if (typeof parsed !== "string") keys.push(parsed);
    }
    const signature = await checkSignature(note, keys);
    if (!signature.ok) return fail("Signature", signature.detail);
    pass("Signature", signature.detail);
    return { valid: true, steps };
  } catch (error) {
    return fail("Verification", error instanceof Error ? error.message : String(error));
  }
}
