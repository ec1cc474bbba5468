import { base64ToBytes, bytesToBase64, concatBytes, readUint32BE } from "./bytes";

/**
 * C2SP signed-note with Ed25519 (https://c2sp.org/signed-note): a UTF-8 text ending in a newline,
 * a blank line, then one line per signature: "— <key name> <base64(4-byte key hash ‖ signature)>".
 * Verifier keys are "<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte public key)>".
 * This file parses and formats; checking signatures is left to node:crypto (../note.ts) or WebCrypto (./webcrypto.ts).
 */
export const ED25519 = 0x01;
/** As golang.org/x/mod/sumdb/note: a bound on the work one note can ask for (C2SP requires ≥ 16). */
const MAX_SIGNATURES = 100;
const SIGNATURE_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/;

export function checkKeyName(name: string): void {
  if (name.length === 0 || /[\s+]/u.test(name)) throw new TypeError("a key name is non-empty and has no spaces or '+'");
}

export function checkText(text: string): void {
  if (!text.endsWith("\n")) throw new TypeError("a note's text ends with a newline");
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new TypeError("a note's text has no control characters other than newline");
}

/** The bytes whose SHA-256 starts with a key's hash: name ‖ "\n" ‖ 0x01 ‖ public key. */
export function keyHashInput(name: string, publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(new TextEncoder().encode(`${name}\n`), Uint8Array.of(ED25519), publicKey);
}

/** A verifier key's parts, before its hash is checked against its name and key. */
export interface VerifierKeyParts {
  name: string;
  keyHash: number;
  publicKey: Uint8Array<ArrayBuffer>;
  /** The verifier key string this came from. */
  vkey: string;
}

/** Parses "<name>+<hash>+<key>"; throws a TypeError saying what is wrong. The caller checks the hash. */
export function parseVerifierKeyParts(vkey: string): VerifierKeyParts {
  // Name and hash hold no '+'; the base64 key may.
  const [name = "", hashHex = "", ...rest] = vkey.trim().split("+");
  if (rest.length === 0) throw new TypeError("a verifier key reads <name>+<hash>+<base64 key>");
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hashHex)) throw new TypeError("a verifier key's hash is 8 lowercase hex digits");
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64ToBytes(rest.join("+"));
  } catch {
    bytes = new Uint8Array(0);
  }
  if (bytes.length !== 33 || bytes[0] !== ED25519) throw new TypeError("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported");
  return { name, keyHash: Number.parseInt(hashHex, 16), publicKey: bytes.subarray(1), vkey: vkey.trim() };
}

export const KEY_HASH_MISMATCH = "the verifier key's hash does not match its name and key";

export function formatVerifierKey(name: string, keyHash: number, publicKey: Uint8Array): string {
  checkKeyName(name);
  return `${name}+${keyHash.toString(16).padStart(8, "0")}+${bytesToBase64(concatBytes(Uint8Array.of(ED25519), publicKey))}`;
}

export interface NoteSignature {
  name: string;
  keyHash: number;
  signature: Uint8Array<ArrayBuffer>;
}

/** A note's text and signature lines, parsed but not checked. */
export function splitNote(note: string): { text: string; signatures: NoteSignature[] } {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new TypeError("malformed note: no signature block");
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new TypeError(`malformed note: more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const match = SIGNATURE_LINE.exec(line);
    if (!match) throw new TypeError(`malformed signature line: ${JSON.stringify(line.slice(0, 120))}`);
    let blob: Uint8Array<ArrayBuffer>;
    try {
      blob = base64ToBytes(match[2] as string);
    } catch {
      throw new TypeError("malformed signature: not base64");
    }
    if (blob.length < 5) throw new TypeError("malformed signature: too short");
    return { name: match[1] as string, keyHash: readUint32BE(blob), signature: blob.subarray(4) };
  });
  return { text, signatures };
}

export interface OpenedNote {
  text: string;
  /** Names and key hashes of the signatures that verified. */
  verified: Array<{ name: string; keyHash: number; vkey: string }>;
  /** Signatures by keys we were not given (neither valid nor invalid to us). */
  unknown: Array<{ name: string; keyHash: number }>;
}

/** Pairs each signature with the key of its name and key hash; signatures by other keys are unknown to us. */
export function matchSignatures<K extends { name: string; keyHash: number; vkey: string }>(
  note: { text: string; signatures: NoteSignature[] },
  verifiers: readonly K[],
): { known: Array<{ key: K; signature: Uint8Array<ArrayBuffer> }>; unknown: OpenedNote["unknown"] } {
  const known: Array<{ key: K; signature: Uint8Array<ArrayBuffer> }> = [];
  const unknown: OpenedNote["unknown"] = [];
  for (const { name, keyHash, signature } of note.signatures) {
    const key = verifiers.find((v) => v.name === name && v.keyHash === keyHash);
    if (key) known.push({ key, signature });
    else unknown.push({ name, keyHash });
  }
  return { known, unknown };
}

/**
 * The opened note, given whether each of `matched.known`'s signatures verified (in order): a
 * signature by a known key that does not verify is an error (someone forged or altered the note);
 * so is a note with no signature by any known key.
 */
export function openedNote(text: string, matched: ReturnType<typeof matchSignatures>, valid: readonly boolean[]): OpenedNote {
  const verified = matched.known.map(({ key }, i) => {
    if (!valid[i]) throw new Error(`the signature by ${key.name}+${key.keyHash.toString(16).padStart(8, "0")} does not verify`);
    return { name: key.name, keyHash: key.keyHash, vkey: key.vkey };
  });
  if (verified.length === 0) throw new Error("the note has no signature by a known key");
  return { text, verified, unknown: matched.unknown };
}
