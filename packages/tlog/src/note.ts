import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { sha256 } from "./hash";

/**
 * C2SP signed-note with Ed25519 (https://c2sp.org/signed-note): a UTF-8 text ending in a newline,
 * a blank line, then one line per signature: "— <key name> <base64(4-byte key hash ‖ signature)>".
 * Verifier keys are "<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte public key)>".
 */
const ED25519 = 0x01;
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
/** As golang.org/x/mod/sumdb/note: a bound on the work one note can ask for (C2SP requires ≥ 16). */
const MAX_SIGNATURES = 100;
const SIGNATURE_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/;

export interface NoteVerifier {
  name: string;
  keyHash: number;
  publicKey: Buffer;
  /** The verifier key string this came from. */
  vkey: string;
  key: KeyObject;
}

export interface NoteSigner {
  name: string;
  keyHash: number;
  privateKey: KeyObject;
}

export function checkKeyName(name: string): void {
  if (name.length === 0 || /[\s+]/u.test(name)) throw new TypeError("a key name is non-empty and has no spaces or '+'");
}

/** SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), first 4 bytes, big-endian. */
export function keyHashOf(name: string, publicKey: Uint8Array): number {
  return sha256(Buffer.concat([Buffer.from(`${name}\n`, "utf8"), Buffer.of(ED25519), publicKey])).readUInt32BE(0);
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(der.length - 32));
}

export function verifierKeyString(name: string, publicKey: Uint8Array): string {
  checkKeyName(name);
  const hash = keyHashOf(name, publicKey).toString(16).padStart(8, "0");
  return `${name}+${hash}+${Buffer.concat([Buffer.of(ED25519), publicKey]).toString("base64")}`;
}

/** Parses "<name>+<hash>+<key>"; throws a TypeError saying what is wrong. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  // Name and hash hold no '+'; the base64 key may.
  const [name = "", hashHex = "", ...rest] = vkey.trim().split("+");
  const encoded = rest.join("+");
  if (rest.length === 0) throw new TypeError("a verifier key reads <name>+<hash>+<base64 key>");
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hashHex)) throw new TypeError("a verifier key's hash is 8 lowercase hex digits");
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== 33 || bytes[0] !== ED25519) throw new TypeError("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported");
  const publicKey = bytes.subarray(1);
  const keyHash = Number.parseInt(hashHex, 16);
  if (keyHashOf(name, publicKey) !== keyHash) throw new TypeError("the verifier key's hash does not match its name and key");
  return { name, keyHash, publicKey, vkey: vkey.trim(), key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" }) };
}

/** A new Ed25519 signer and its verifier key. */
export function generateSigner(name: string): { signer: NoteSigner; vkey: string; publicKey: Buffer; privateKeyPkcs8: Buffer } {
  checkKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = rawPublicKey(publicKey);
  return {
    signer: { name, keyHash: keyHashOf(name, raw), privateKey },
    vkey: verifierKeyString(name, raw),
    publicKey: raw,
    privateKeyPkcs8: privateKey.export({ format: "der", type: "pkcs8" }),
  };
}

/** A signer from a PKCS#8 Ed25519 private key. */
export function signerFromPkcs8(name: string, pkcs8: Uint8Array): NoteSigner {
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  return { name, keyHash: keyHashOf(name, rawPublicKey(createPublicKey(privateKey))), privateKey };
}

function checkText(text: string): void {
  if (!text.endsWith("\n")) throw new TypeError("a note's text ends with a newline");
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new TypeError("a note's text has no control characters other than newline");
}

export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkText(text);
  const message = Buffer.from(text, "utf8");
  const lines = signers.map((s) => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(s.keyHash >>> 0);
    return `\u2014 ${s.name} ${Buffer.concat([prefix, sign(null, message, s.privateKey)]).toString("base64")}\n`;
  });
  return `${text}\n${lines.join("")}`;
}

export interface OpenedNote {
  text: string;
  /** Names and key hashes of the signatures that verified. */
  verified: Array<{ name: string; keyHash: number; vkey: string }>;
  /** Signatures by keys we were not given (neither valid nor invalid to us). */
  unknown: Array<{ name: string; keyHash: number }>;
}

/**
 * Splits a signed note and checks its signatures against `verifiers`. A signature by a known key
 * that does not verify is an error (someone forged or altered the note); so is a note with no
 * signature by any known key.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new TypeError("malformed note: no signature block");
  const text = note.slice(0, split + 1);
  checkText(text);
  const message = Buffer.from(text, "utf8");
  const opened: OpenedNote = { text, verified: [], unknown: [] };
  const lines = note.slice(split + 2, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new TypeError(`malformed note: more than ${MAX_SIGNATURES} signatures`);
  for (const line of lines) {
    const match = SIGNATURE_LINE.exec(line);
    if (!match) throw new TypeError(`malformed signature line: ${JSON.stringify(line.slice(0, 120))}`);
    const name = match[1] as string;
    const blob = Buffer.from(match[2] as string, "base64");
    if (blob.length < 5) throw new TypeError("malformed signature: too short");
    const keyHash = blob.readUInt32BE(0);
    const key = verifiers.find((v) => v.name === name && v.keyHash === keyHash);
    if (!key) {
      opened.unknown.push({ name, keyHash });
      continue;
    }
    if (!verify(null, message, key.key, blob.subarray(4))) throw new Error(`the signature by ${name}+${keyHash.toString(16).padStart(8, "0")} does not verify`);
    opened.verified.push({ name, keyHash, vkey: key.vkey });
  }
  if (opened.verified.length === 0) throw new Error("the note has no signature by a known key");
  return opened;
}
