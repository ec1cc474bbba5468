import { createHmac, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";
import { EVENT_TYPES, type EventType } from "../events/event-of-entry";

/**
 * Outbound webhooks per the Standard Webhooks spec (docs/webhooks.md): what is signed and how, the
 * secrets' format, which event types an endpoint may subscribe to, the retry schedule, and which
 * addresses a delivery may never connect to. Pure: the sending is packages/db's.
 */

/** What an endpoint may subscribe to: the event types of the live stream, and `*` for all of them. */
export const WEBHOOK_EVENT_TYPES = EVENT_TYPES;
export const webhookEventSelectorSchema = z.union([z.enum(EVENT_TYPES), z.literal("*")]);
export type WebhookEventSelector = z.output<typeof webhookEventSelectorSchema>;

/** The type of the payload a test send carries (never an audit entry's event). */
export const WEBHOOK_TEST_EVENT = "webhook.test";
/** The type of an approval routed to an endpoint by a policy (`approval.notify.webhooks`). */
export const WEBHOOK_APPROVAL_NOTICE = "approval.notice";

/** Whether an endpoint subscribed to `events` receives an event of `type`. */
export function webhookWants(events: readonly string[], type: EventType): boolean {
  return events.includes("*") || events.includes(type);
}

/** `whsec_` and 24 random bytes in base64: the Standard Webhooks secret format. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{24,88}={0,2}$/;

export function isWebhookSecret(candidate: string): boolean {
  return SECRET_PATTERN.test(candidate);
}

/**
 * One `v1,<base64 HMAC-SHA256>` signature of `${id}.${timestamp}.${body}` with the secret's key (the
 * base64 after `whsec_`), as the Standard Webhooks spec defines it.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  if (!isWebhookSecret(secret)) throw new Error("not a whsec_ secret");
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`, "utf8").digest("base64")}`;
}

/**
 * The three Standard Webhooks headers of one message. During a rotation's overlap `secrets` holds the
 * new secret and the previous one: `webhook-signature` carries both, space-separated, so a receiver
 * holding either verifies.
 */
export function webhookHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": secrets.map((secret) => signWebhook(secret, id, timestampSeconds, body)).join(" "),
  };
}

/** The Standard Webhooks payload: `{ type, timestamp, data }`, `data` the typed event. */
export function webhookPayload(type: string, timestamp: string, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp, data });
}

/**
 * When each retry of a failed message is made, after the attempt before it (seconds): the published
 * schedule (docs/webhooks.md). After the last, the endpoint is paused with what it missed kept: nothing
 * after the failing message is sent out of order, and enabling it again resumes from that message.
 */
export const WEBHOOK_RETRY_SCHEDULE_SECONDS: readonly number[] = [5, 30, 120, 600, 1_800, 7_200, 18_000, 36_000, 36_000];

/** Each retry waits its scheduled time ± 20% (jitter), so endpoints that failed together do not all retry at once. */
export function webhookRetryDelayMs(failedAttempts: number, schedule: readonly number[] = WEBHOOK_RETRY_SCHEDULE_SECONDS, random: () => number = Math.random): number | null {
  const base = schedule[failedAttempts - 1];
  if (base === undefined) return null;
  return Math.round(base * 1_000 * (0.8 + 0.4 * random()));
}

/** How long a rotated-out secret keeps signing beside the new one, by default (24 hours); at most 7 days. */
export const WEBHOOK_ROTATION_OVERLAP_SECONDS = 86_400;
export const WEBHOOK_MAX_ROTATION_OVERLAP_SECONDS = 7 * 86_400;

/** A delivery waits this long for the receiver's answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** How an endpoint's URL is checked when it is saved: http(s), no credentials, no fragment, at most 2048 characters. */
export const webhookUrlSchema = z
  .string()
  .max(2_048)
  .superRefine((value, ctx) => {
    const problem = webhookUrlProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export function webhookUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute http or https URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http or https URL";
  if (url.username || url.password) return "must not carry a user name or password (the signature authenticates the sender)";
  if (url.hash) return "must not carry a fragment";
  return null;
}

/**
 * Why a delivery may not connect to `address` (an IP the name resolved to), or null. Loopback,
 * private (RFC 1918, RFC 4193), link-local (including cloud metadata at 169.254.169.254), carrier-grade
 * NAT, unspecified, multicast, reserved and documentation ranges, and IPv4 inside IPv6 (mapped, NAT64,
 * 6to4) by the address inside.
 */
export function refusedAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return refusedV4(address);
  if (family === 6) return refusedV6(address);
  return "not an IP address";
}

function v4Parts(address: string): number[] {
  return address.split(".").map(Number);
}

function refusedV4(address: string): string | null {
  const [a = 0, b = 0, c = 0] = v4Parts(address);
  if (a === 127) return "a loopback address";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "a private address";
  if (a === 169 && b === 254) return "a link-local address";
  if (a === 100 && b >= 64 && b <= 127) return "a shared (carrier-grade NAT) address";
  if (a === 0) return "an unspecified address";
  if (a >= 224) return "a multicast or reserved address";
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return "a reserved address";
  if (a === 198 && (b === 18 || b === 19)) return "a benchmarking address";
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return "a documentation address";
  return null;
}

function expandV6(address: string): number[] | null {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = v4Parts(maybeV4);
    tail = [(a << 8) | b, (c << 8) | d];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = "", rest] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = rest === undefined ? [] : rest ? rest.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (rest === undefined && missing !== 0) return null;
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right].map((g) => Number.parseInt(g || "0", 16));
  if (tail.length === 2) groups.splice(6, 2, ...tail);
  return groups.length === 8 ? groups : null;
}

function refusedV6(address: string): string | null {
  const g = expandV6(address);
  if (!g) return "not an IP address";
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && g6 === 0) return g7 === 1 ? "a loopback address" : "an unspecified address";
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible): the IPv4 address inside decides.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) return refusedV4(embedded(g6, g7));
  // 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) reach an IPv4 address too.
  if (g0 === 0x64 && g1 === 0xff9b) return refusedV4(embedded(g6, g7));
  if (g0 === 0x2002) return refusedV4(embedded(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return "a private (unique local) address";
  if ((g0 & 0xffc0) === 0xfe80) return "a link-local address";
  if ((g0 & 0xffc0) === 0xfec0) return "a site-local address";
  if ((g0 & 0xff00) === 0xff00) return "a multicast address";
  if (g0 === 0x2001 && g1 === 0x0db8) return "a documentation address";
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return "a discard address";
  return null;
}

/** The host of a URL as an IP literal (brackets removed), or null for a name. */
export function ipLiteralOf(url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return isIP(host) ? host : null;
}
