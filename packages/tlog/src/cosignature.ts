import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { sha256 } from "./hash";
import { rawPublicKey } from "./note";
import { base64ToBytes, bytesToBase64, concatBytes } from "./portable/bytes";
import { checkKeyName, checkText, splitNote } from "./portable/note";

/**
 * C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), the Ed25519 type: a witness's statement
 * that, as of its timestamp, the checkpoint is the largest consistent tree it has seen of the log.
 * A cosignature is a signed-note line "— <name> base64(key ID ‖ u64 timestamp ‖ signature)" whose
 * signature covers "cosignature/v1\ntime <t>\n" followed by the checkpoint's body. Key IDs and
 * verifier keys use the signature type 0x04.
 */
export const COSIGNATURE_V1 = 0x04;
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface Cosigner {
  name: string;
  keyHash: number;
  privateKey: KeyObject;
}

export interface CosignatureVerifier {
  name: string;
  keyHash: number;
  publicKey: Buffer;
  vkey: string;
  key: KeyObject;
}

/** SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key), first 4 bytes, big-endian. */
export function cosignatureKeyHash(name: string, publicKey: Uint8Array): number {
  return sha256(concatBytes(new TextEncoder().encode(`${name}\n`), Uint8Array.of(COSIGNATURE_V1), publicKey)).readUInt32BE(0);
}

export function cosignatureVerifierKey(name: string, publicKey: Uint8Array): string {
  checkKeyName(name);
  const hash = cosignatureKeyHash(name, publicKey).toString(16).padStart(8, "0");
  return `${name}+${hash}+${bytesToBase64(concatBytes(Uint8Array.of(COSIGNATURE_V1), publicKey))}`;
}

/** Parses a witness's verifier key "<name>+<hash>+base64(0x04 ‖ key)"; throws a TypeError saying what is wrong. */
export function parseCosignatureVerifierKey(vkey: string): CosignatureVerifier {
  const [name = "", hashHex = "", ...rest] = vkey.trim().split("+");
  if (rest.length === 0) throw new TypeError("a verifier key reads <name>+<hash>+<base64 key>");
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hashHex)) throw new TypeError("a verifier key's hash is 8 lowercase hex digits");
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(rest.join("+"));
  } catch {
    bytes = new Uint8Array(0);
  }
  if (bytes[0] === 0x06) throw new TypeError("ML-DSA-44 cosignatures (type 0x06) are not supported yet: use an Ed25519 cosignature key (type 0x04)");
  if (bytes.length !== 33 || bytes[0] !== COSIGNATURE_V1) throw new TypeError("a witness key is an Ed25519 cosignature key (type 0x04, 32 bytes)");
  const publicKey = Buffer.from(bytes.subarray(1));
  const keyHash = Number.parseInt(hashHex, 16);
  if (cosignatureKeyHash(name, publicKey) !== keyHash) throw new TypeError("the verifier key's hash does not match its name and key");
  return { name, keyHash, publicKey, vkey: vkey.trim(), key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" }) };
}

/** A new witness key: the cosigner, its verifier key and its PKCS#8 private key (to store). */
export function generateCosigner(name: string): { cosigner: Cosigner; vkey: string; privateKeyPkcs8: Buffer } {
  checkKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = rawPublicKey(publicKey);
  return {
    cosigner: { name, keyHash: cosignatureKeyHash(name, raw), privateKey },
    vkey: cosignatureVerifierKey(name, raw),
    privateKeyPkcs8: privateKey.export({ format: "der", type: "pkcs8" }),
  };
}

export function cosignerFromPkcs8(name: string, pkcs8: Uint8Array): { cosigner: Cosigner; vkey: string } {
  checkKeyName(name);
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  const raw = rawPublicKey(createPublicKey(privateKey));
  return { cosigner: { name, keyHash: cosignatureKeyHash(name, raw), privateKey }, vkey: cosignatureVerifierKey(name, raw) };
}

function signedMessage(checkpointText: string, timestamp: bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`, "utf8");
}

/** The cosignature line (with its newline) of `cosigner` on a checkpoint's body, at `timestamp` (POSIX seconds, not zero). */
export function cosign(checkpointText: string, cosigner: Cosigner, timestamp: number): string {
  checkText(checkpointText);
  if (!Number.isSafeInteger(timestamp) || timestamp <= 0) throw new TypeError("a cosignature's timestamp is a positive number of seconds");
  const head = Buffer.alloc(12);
  head.writeUInt32BE(cosigner.keyHash >>> 0, 0);
  head.writeBigUInt64BE(BigInt(timestamp), 4);
  const signature = sign(null, signedMessage(checkpointText, BigInt(timestamp)), cosigner.privateKey);
  return `\u2014 ${cosigner.name} ${Buffer.concat([head, signature]).toString("base64")}\n`;
}

export interface VerifiedCosignature {
  /** The witness's key name. */
  name: string;
  vkey: string;
  /** When the witness cosigned (POSIX seconds). */
  timestamp: number;
}

/**
 * The cosignatures in a signed note (a checkpoint with its signature lines) by the witnesses given,
 * each checked. A line by a known witness key whose signature does not verify throws (the note was
 * forged or altered); lines by other keys (the log's own signature, unknown witnesses) are ignored.
 */
export function verifyCosignatures(note: string, witnesses: readonly CosignatureVerifier[]): VerifiedCosignature[] {
  const { text, signatures } = splitNote(note);
  const verified: VerifiedCosignature[] = [];
  for (const line of signatures) {
    const witness = witnesses.find((w) => w.name === line.name && w.keyHash === line.keyHash);
    if (!witness) continue;
    const blob = Buffer.from(line.signature);
    if (blob.length !== 8 + 64) throw new Error(`the cosignature by ${witness.name} is malformed (${blob.length + 4} bytes, not 76)`);
    const timestamp = blob.readBigUInt64BE(0);
    if (timestamp === 0n || timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`the cosignature by ${witness.name} has no usable timestamp`);
    if (!verify(null, signedMessage(text, timestamp), witness.key, blob.subarray(8))) throw new Error(`the cosignature by ${witness.name} does not verify`);
    if (!verified.some((v) => v.vkey === witness.vkey)) verified.push({ name: witness.name, vkey: witness.vkey, timestamp: Number(timestamp) });
  }
  return verified;
}
