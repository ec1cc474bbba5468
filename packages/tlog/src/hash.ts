import { hash } from "node:crypto";
import { hashBytesFromHex } from "./portable/bytes";
import { hashBytesFromBase64 } from "./portable/checkpoint";

/** RFC 6962 / RFC 9162 hashing. Hashes are 32-byte Buffers here; hex or base64 only at the edges. */
export const HASH_SIZE = 32;

/** MTH of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Buffer = sha256(Buffer.alloc(0));

export function sha256(data: Uint8Array): Buffer {
  return hash("sha256", data, "buffer");
}

const LEAF_PREFIX = Buffer.of(0);

let leafScratch = Buffer.alloc(64 * 1024);

/** Hex SHA-256 of a text's UTF-8 bytes. */
export function sha256HexOfText(text: string): string {
  return hash("sha256", text, "hex");
}

/** Leaf hash: SHA-256(0x00 ‖ data). A string is taken as its UTF-8 bytes. */
export function hashLeaf(data: Uint8Array | string): Buffer {
  if (typeof data !== "string") return sha256(Buffer.concat([LEAF_PREFIX, data]));
  // Encode straight after the prefix byte in a reused buffer: verifiers hash millions of leaves.
  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so this never truncates.
  const needed = 1 + data.length * 3;
  if (needed > leafScratch.length) leafScratch = Buffer.alloc(Math.max(needed, leafScratch.length * 2));
  leafScratch[0] = 0;
  const written = leafScratch.write(data, 1, "utf8");
  return sha256(leafScratch.subarray(0, 1 + written));
}

const scratch = Buffer.alloc(1 + 2 * HASH_SIZE);
scratch[0] = 1;

/** Interior node: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return sha256(Buffer.concat([scratch.subarray(0, 1), left, right]));
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_SIZE);
  return sha256(scratch);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** A 32-byte hash from 64 hex characters; anything else is an error naming `what`. */
export function hashFromHex(hex: string, what = "hash"): Buffer {
  return asBuffer(hashBytesFromHex(hex, what));
}

export function hashFromBase64(text: string, what = "hash"): Buffer {
  return asBuffer(hashBytesFromBase64(text, what));
}

/** The same bytes as a Buffer, without a copy. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
