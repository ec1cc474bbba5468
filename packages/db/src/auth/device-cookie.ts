import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"; docs/adr/0017).
 * A successful password sign-in gives the browser a cookie bound to the account (its email): the
 * time it was issued, a random id and an HMAC over both and the email, under a key derived from the
 * console's secret. A sign-in that carries a valid one for the email it names is counted against that
 * cookie only, so an attacker failing on someone's email (who has no such cookie) cannot lock them out
 * of a browser they signed in from before. A cookie forged, for another account, or older than
 * DEVICE_COOKIE_TTL_MS counts for nothing: the attempt is an untrusted client's.
 */
export const DEVICE_COOKIE_TTL_MS = 180 * 24 * 60 * 60_000;

const PURPOSE = "gatehouse device cookie v1";

/** The key that signs device cookies, derived from the console's secret (AUTH_SECRET), never the secret itself. */
export function deviceCookieKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "", PURPOSE, 32));
}

/** The cookie's name for an account: one per account, so a browser can hold several. */
export function deviceCookieName(email: string): string {
  return `gh-device-${createHash("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 16)}`;
}

function mac(key: Buffer, email: string, issuedAt: string, id: string): string {
  return createHmac("sha256", key).update(`${PURPOSE}\0${email.trim().toLowerCase()}\0${issuedAt}\0${id}`).digest("base64url");
}

/** A new device cookie's value for the account. */
export function issueDeviceCookie(email: string, key: Buffer, now = Date.now()): string {
  const issuedAt = now.toString(36);
  const id = randomBytes(16).toString("base64url");
  return `${issuedAt}.${id}.${mac(key, email, issuedAt, id)}`;
}

/** The cookie's id when it is valid for this email at `now`; null when it is forged, another account's, expired or malformed. */
export function readDeviceCookie(value: string | null | undefined, email: string, key: Buffer, now = Date.now()): string | null {
  if (typeof value !== "string" || value.length > 200) return null;
  const [issuedAt = "", id = "", signature = "", extra] = value.split(".");
  if (extra !== undefined || !/^[0-9a-z]{1,12}$/.test(issuedAt) || !/^[\w-]{22}$/.test(id) || !/^[\w-]{43}$/.test(signature)) return null;
  const expected = Buffer.from(mac(key, email, issuedAt, id));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const issued = parseInt(issuedAt, 36);
  if (!(issued <= now + 60_000) || now - issued > DEVICE_COOKIE_TTL_MS) return null;
  return id;
}
