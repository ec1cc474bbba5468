import { createHash } from "node:crypto";
import { randomToken } from "./ids";

/**
 * API keys look like `gh_<kind>_<32 chars>`. Only SHA-256(key) is stored (keys are random, so a fast
 * hash is enough); `prefix` (kind + first 8 chars) identifies a key in lists, `lastFour` helps people
 * recognise it. The format is checked before any lookup.
 */
export type ApiKeyKind = "agent" | "admin";

const KEY_PATTERN = /^gh_(agent|admin)_([0-9a-zA-Z]{32})$/;

export interface IssuedKey {
  plaintext: string;
  hash: string;
  prefix: string;
  lastFour: string;
}

export function issueApiKey(kind: ApiKeyKind): IssuedKey {
  const secret = randomToken(32);
  const plaintext = `gh_${kind}_${secret}`;
  return { plaintext, hash: hashApiKey(plaintext), prefix: `gh_${kind}_${secret.slice(0, 8)}`, lastFour: secret.slice(-4) };
}

export function parseApiKey(value: string): { kind: ApiKeyKind } | null {
  const match = KEY_PATTERN.exec(value);
  return match ? { kind: match[1] as ApiKeyKind } : null;
}

export function hashApiKey(plaintext: string): string {
  return createHash("sha256").update(plaintext).digest("hex");
}
