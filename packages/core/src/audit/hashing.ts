import { createHash } from "node:crypto";

/** The chain starts from 32 zero bytes. */
export const GENESIS_CHAIN_HASH = "0".repeat(64);

/** RFC 6962 leaf hash: SHA-256(0x00 || canonical bytes), hex. */
export function leafHash(canonical: string): string {
  return createHash("sha256").update(Buffer.of(0)).update(canonical, "utf8").digest("hex");
}

/** RFC 6962 interior node: SHA-256(0x01 || left || right), hex. */
export function nodeHash(leftHex: string, rightHex: string): string {
  return createHash("sha256").update(Buffer.of(1)).update(Buffer.from(leftHex, "hex")).update(Buffer.from(rightHex, "hex")).digest("hex");
}

/** Chain hash: SHA-256(previous chain hash || leaf hash), both as raw bytes, hex. */
export function chainHash(previousHex: string, leafHex: string): string {
  return createHash("sha256").update(Buffer.from(previousHex, "hex")).update(Buffer.from(leafHex, "hex")).digest("hex");
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
