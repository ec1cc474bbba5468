import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { sha256 } from "./hash";
import {
  checkKeyName,
  checkText,
  formatVerifierKey,
  KEY_HASH_MISMATCH,
  keyHashInput,
  matchSignatures,
  openedNote,
  parseVerifierKeyParts,
  splitNote,
  type OpenedNote,
} from "./portable/note";

/**
 * C2SP signed-note with Ed25519 (https://c2sp.org/signed-note), signed and checked with node:crypto.
 * The parsing and formatting are in ./portable/note.ts, shared with the WebCrypto checks.
 */
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export { checkKeyName, type OpenedNote } from "./portable/note";

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

/** SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), first 4 bytes, big-endian. */
export function keyHashOf(name: string, publicKey: Uint8Array): number {
  return sha256(keyHashInput(name, publicKey)).readUInt32BE(0);
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: "der", type: "spki" });
  return Buffer.from(der.subarray(der.length - 32));
}

export function verifierKeyString(name: string, publicKey: Uint8Array): string {
  checkKeyName(name);
  return formatVerifierKey(name, keyHashOf(name, publicKey), publicKey);
}

/** Parses "<name>+<hash>+<key>"; throws a TypeError saying what is wrong. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const parts = parseVerifierKeyParts(vkey);
  const publicKey = Buffer.from(parts.publicKey);
  if (keyHashOf(parts.name, publicKey) !== parts.keyHash) throw new TypeError(KEY_HASH_MISMATCH);
  return { ...parts, publicKey, key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" }) };
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

/**
 * Splits a signed note and checks its signatures against `verifiers`. A signature by a known key
 * that does not verify is an error (someone forged or altered the note); so is a note with no
 * signature by any known key.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  const split = splitNote(note);
  const matched = matchSignatures(split, verifiers);
  const message = Buffer.from(split.text, "utf8");
  return openedNote(
    split.text,
    matched,
    matched.known.map(({ key, signature }) => verify(null, message, key.key, signature)),
  );
}
