import { randomFillSync } from "node:crypto";

/**
 * Random bytes for ids and salts, drawn from one buffer the CSPRNG fills 8 KiB at a time (as Node's
 * randomUUID caches its own): a decision draws several ids and salts, and one fill per few hundred of
 * them costs less than a call into the CSPRNG for each. Every byte is handed out once; the caller gets
 * a copy. Secrets and keys keep calling randomBytes directly.
 */
const POOL = Buffer.allocUnsafe(8192);
let offset = POOL.length;

export function pooledRandomBytes(length: number): Buffer {
  if (length > POOL.length) return randomFillSync(Buffer.allocUnsafe(length));
  if (offset + length > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const out = Buffer.from(POOL.subarray(offset, offset + length));
  offset += length;
  return out;
}
