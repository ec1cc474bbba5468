/**
 * Byte helpers without `Buffer`, for the code that also runs outside Node (browsers, Deno, Bun, edge
 * runtimes). Fresh arrays are typed as backed by an `ArrayBuffer`, as WebCrypto's DOM types require.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX[byte] as string;
  return out;
}

/** Bytes from an even number of hex digits; anything else is a TypeError naming `what`. */
export function hexToBytes(hex: string, what = "hex"): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new TypeError(`${what} must be hex digits`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** A 32-byte hash from 64 hex characters; anything else is a TypeError naming `what`. */
export function hashBytesFromHex(hex: string, what = "hash"): Uint8Array<ArrayBuffer> {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new TypeError(`${what} must be 64 hex characters`);
  return hexToBytes(hex, what);
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Bytes from base64, as leniently as `Buffer.from(text, "base64")` for well-formed text; a TypeError when `atob` refuses it. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError("not base64");
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The first four bytes as an unsigned big-endian number. */
export function readUint32BE(bytes: Uint8Array): number {
  return (((bytes[0] ?? 0) << 24) >>> 0) + ((bytes[1] ?? 0) << 16) + ((bytes[2] ?? 0) << 8) + (bytes[3] ?? 0);
}
