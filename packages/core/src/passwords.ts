import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** scrypt, stored as `scrypt$N$r$p$salt$hash` (base64) so the cost can grow without a migration. */
const COST = { N: 1 << 15, r: 8, p: 1 };
const MAX_MEM = 64 * 1024 * 1024;
const HASH_BYTES = 32;

function derive(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, { ...options, maxmem: MAX_MEM }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Checks a password against a stored hash; injectable so a test can see which verifications ran. */
export type PasswordVerifier = (password: string, stored: string) => Promise<boolean>;

/** The cost parameters a stored hash names (`scrypt$N$r$p$…`), or null when it is not one of ours. */
export function passwordCostOf(stored: string): { N: number; r: number; p: number } | null {
  const [scheme, n, r, p] = stored.split("$");
  if (scheme !== "scrypt" || n === undefined || r === undefined || p === undefined) return null;
  return { N: Number(n), r: Number(r), p: Number(p) };
}

/**
 * A well-formed hash with the current cost parameters that no password matches (its digest is random,
 * drawn once per process). Sign-in verifies against it when the email has no account (or no
 * password), so an unknown email costs the same scrypt as a wrong password and cannot be told apart
 * by timing.
 */
export const DUMMY_PASSWORD_HASH = ["scrypt", COST.N, COST.r, COST.p, randomBytes(16).toString("base64"), randomBytes(HASH_BYTES).toString("base64")].join("$");

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, HASH_BYTES, COST);
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64"), hash.toString("base64")].join("$");
}

const isPositiveInt = (value: number) => Number.isInteger(value) && value > 0;

/** False for a wrong password and for any stored value that is not a well-formed hash of ours. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6) return false;
  const [scheme, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (scheme !== "scrypt" || !isPositiveInt(cost.N) || !isPositiveInt(cost.r) || !isPositiveInt(cost.p) || (cost.N & (cost.N - 1)) !== 0 || cost.N < 2) {
    return false;
  }
  const expected = Buffer.from(hash, "base64");
  if (expected.length !== HASH_BYTES || salt.length === 0) return false;
  try {
    const actual = await derive(password, Buffer.from(salt, "base64"), HASH_BYTES, cost);
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}
