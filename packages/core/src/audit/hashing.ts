import { createHash } from "node:crypto";
import { hashChildren, hashLeaf, toHex } from "@gatehouse/tlog";

/** The chain starts from 32 zero bytes. */
export const GENESIS_CHAIN_HASH = "0".repeat(64);

/** RFC 6962 leaf hash of an entry's canonical text, hex (the tree itself lives in @gatehouse/tlog). */
export function leafHash(canonical: string): string {
  return toHex(hashLeaf(canonical));
}

/** RFC 6962 interior node of two hex hashes, hex. */
export function nodeHash(leftHex: string, rightHex: string): string {
  return toHex(hashChildren(Buffer.from(leftHex, "hex"), Buffer.from(rightHex, "hex")));
}

/** Chain hash: SHA-256(previous chain hash || leaf hash), both as raw bytes, hex. */
export function chainHash(previousHex: string, leafHex: string): string {
  return createHash("sha256").update(Buffer.from(previousHex, "hex")).update(Buffer.from(leafHex, "hex")).digest("hex");
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
