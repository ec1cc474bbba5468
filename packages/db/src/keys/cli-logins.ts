import { createHash, randomBytes, randomInt } from "node:crypto";
import { forbidden, isTopRole, newId, notFound, rateLimited, validationError, type MemberRole } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { consoleOrigin } from "../infra/env";
import { getMemberContext } from "../orgs/get-member-context";
import { issueAdminKey } from "./issue-admin-key";

/**
 * Signing the CLI in from the console (`gatehouse login --web`; packages/cli/README.md), the device flow of RFC 8628 in
 * Gatehouse's terms. The CLI asks for a login and gets a short code, the console page to confirm it on, and a poll
 * secret only it holds (stored as its SHA-256). The login records what asked for it: the device name the CLI sends,
 * the address it came from (through the trusted-proxy rule) and its User-Agent; the console shows all three to the
 * member who confirms. A member signed in to the console confirms the code for one of their orgs (or refuses it); an
 * owner must type the code (a link's pre-filled code is not enough: one phished click must not yield an owner's key).
 * The CLI's next poll collects an admin key for that member, issued then, with the member's role as it is then, once:
 * the first poll after the confirmation takes it, every later one hears the login is used up. The key expires after
 * CLI_KEY_DAYS, and its holder may refresh it before then (refreshAdminKey); it is listed and revoked with the other
 * admin keys. A login lives LOGIN_TTL_MS; nothing an unconfirmed login holds grants anything.
 */

export const LOGIN_TTL_MS = 10 * 60_000;
/** How often the CLI may ask (the answer says so; a CLI asking faster is answered the same, no sooner). */
export const POLL_INTERVAL_SECONDS = 2;
/** Logins asked and not yet ended, at most, per address: one address cannot fill the table. */
export const PENDING_PER_ADDRESS = 20;
/** Days a CLI login's key lives, and what each refresh gives it from then. */
export const CLI_KEY_DAYS = 30;
/** How much of the User-Agent header is kept: enough to recognise a client, not a place to store data. */
const USER_AGENT_MAX = 300;

/** Letters a person reads and types without confusion (no vowels: no words; no 0/O, 1/I/L). */
const CODE_ALPHABET = "BCDFGHJKMNPQRSTVWXZ";
const CODE_PATTERN = /^[BCDFGHJKMNPQRSTVWXZ]{4}-[BCDFGHJKMNPQRSTVWXZ]{4}$/;
const POLL_PATTERN = /^ghcli_[A-Za-z0-9_-]{43}$/;

const hashOf = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

function newUserCode(): string {
  const letters = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/** A code as a person may type it (lower case, spaces, no dash) in its one stored form; null when it cannot be one. */
export function normalizeUserCode(input: string): string | null {
  const letters = input.toUpperCase().replace(/[\s-]/g, "");
  const code = `${letters.slice(0, 4)}-${letters.slice(4)}`;
  return CODE_PATTERN.test(code) ? code : null;
}

export interface StartedCliLogin {
  userCode: string;
  /** The console page where the code is confirmed, and the same with the code filled in. */
  verificationUri: string;
  verificationUriComplete: string;
  pollToken: string;
  expiresIn: number;
  interval: number;
}

/**
 * Asks for a login. `client` (what the CLI says it is) and `deviceName` (the device it says it runs on) are shown to the
 * member who confirms, with `address` (where it came from, as the trusted-proxy rule reads it) and `userAgent`.
 */
export async function startCliLogin({
  client,
  deviceName = null,
  address,
  userAgent = null,
}: {
  client: string;
  deviceName?: string | null;
  address: string | null;
  userAgent?: string | null;
}): Promise<StartedCliLogin> {
  const now = new Date();
  // Logins past their time are gone for good: each start clears them, so the table holds the last ten minutes only.
  await db().cliLogin.deleteMany({ where: { expiresAt: { lt: now } } });
  if (address !== null && (await db().cliLogin.count({ where: { address, status: "pending" } })) >= PENDING_PER_ADDRESS) {
    throw rateLimited(`too many CLI logins are waiting from this address (${PENDING_PER_ADDRESS}): confirm one, or wait for them to expire`, 60);
  }
  const pollToken = `ghcli_${randomBytes(32).toString("base64url")}`;
  for (let attempt = 0; ; attempt += 1) {
    const userCode = newUserCode();
    try {
      await db().cliLogin.create({
        data: {
          id: newId("cliLogin"),
          userCode,
          pollHash: hashOf(pollToken),
          client,
          deviceName,
          address,
          userAgent: userAgent === null ? null : userAgent.slice(0, USER_AGENT_MAX),
          expiresAt: new Date(now.getTime() + LOGIN_TTL_MS),
        },
      });
      const page = `${consoleOrigin()}/cli-login`;
      return {
        userCode,
        verificationUri: page,
        verificationUriComplete: `${page}?${new URLSearchParams({ code: userCode })}`,
        pollToken,
        expiresIn: LOGIN_TTL_MS / 1000,
        interval: POLL_INTERVAL_SECONDS,
      };
    } catch (error) {
      // 19^8 codes: a clash with a live one is rare; another draw settles it.
      if (attempt < 3 && (error as { code?: string }).code === "P2002") continue;
      throw error;
    }
  }
}

export interface PendingCliLogin {
  userCode: string;
  client: string;
  deviceName: string | null;
  address: string | null;
  userAgent: string | null;
  createdAt: string;
  expiresAt: string;
}

/** A login waiting for its confirmation, for the console page to show; a code that is unknown, used or expired is a 404. */
export async function pendingCliLogin({ userCode }: { userCode: string }): Promise<PendingCliLogin> {
  const code = normalizeUserCode(userCode);
  const login = code ? await db().cliLogin.findUnique({ where: { userCode: code } }) : null;
  if (!login || login.status !== "pending" || login.expiresAt.getTime() <= Date.now()) throw notFound("CLI login");
  return {
    userCode: login.userCode,
    client: login.client,
    deviceName: login.deviceName,
    address: login.address,
    userAgent: login.userAgent,
    createdAt: login.createdAt.toISOString(),
    expiresAt: login.expiresAt.toISOString(),
  };
}

/**
 * A member confirms (or refuses) a waiting login, in the console, for the org of `ctx`: `keys.own` (the key it
 * leads to is their own, with their role). `userCode` is the login's code (the one a link carried, or the one
 * typed); `typedCode`, what the member typed on the page. An owner's confirmation needs `typedCode`, and any
 * `typedCode` given must be the same code (else 400 naming `typedCode`, nothing decided): a link can pre-fill the
 * code for others, never for an owner. Refusing needs no typing. A code that is unknown, used or expired is a 404,
 * like any other thing that is not there; deciding one twice, too.
 */
export async function decideCliLogin({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userCode: string; typedCode?: string | null | undefined; decision: "approve" | "deny" };
}): Promise<{ status: "approved" | "denied" }> {
  requirePermission(ctx, "keys.own");
  if (ctx.actor.type !== "user") throw forbidden("a CLI login is confirmed by a member signed in to the console");
  const code = normalizeUserCode(input.userCode);
  if (!code) throw validationError([{ path: "userCode", message: "must be the code the CLI shows, 8 letters (ABCD-EFGH)" }]);
  if (input.decision === "approve") requireTypedCode(code, input.typedCode ?? null, ctx.actor.role);
  const status = input.decision === "approve" ? "approved" : "denied";
  // One statement: of two confirmations racing, one changes the row and the other finds nothing waiting.
  const changed = await db().cliLogin.updateMany({
    where: { userCode: code, status: "pending", expiresAt: { gt: new Date() } },
    data: { status, decidedAt: new Date(), ...(status === "approved" ? { orgId: ctx.org.id, membershipId: ctx.actor.membershipId } : {}) },
  });
  if (changed.count === 0) throw notFound("CLI login");
  return { status };
}

/** An owner types the code; whoever typed one typed this one. */
function requireTypedCode(code: string, typedCode: string | null, role: MemberRole): void {
  const typed = typedCode === null || typedCode.trim() === "" ? null : normalizeUserCode(typedCode);
  if (typed === null && isTopRole(role)) {
    throw validationError([{ path: "typedCode", message: "as an owner, type the code your terminal shows: a code filled in by a link is not enough" }]);
  }
  if (typedCode !== null && typedCode.trim() !== "" && typed !== code) {
    throw validationError([{ path: "typedCode", message: "does not match the code of this login: confirm only the code your own terminal shows" }]);
  }
}

export type CollectedCliLogin =
  | { status: "pending"; interval: number }
  | { status: "denied" | "expired" }
  | { status: "approved"; apiKey: string; key: { id: string; prefix: string; expiresAt: string | null }; org: { slug: string; name: string } };

/**
 * The CLI's poll. Pending: ask again after `interval`. Approved: the key, issued now for the member who confirmed,
 * answered to this poll only (the row is claimed in one statement, so two polls racing get one key between them).
 * Refused, used up, past its time, or a secret that matches nothing: `denied` or `expired`, nothing issued.
 */
export async function collectCliLogin({ pollToken, now: at = Date.now() }: { pollToken: string; now?: number }): Promise<CollectedCliLogin> {
  if (!POLL_PATTERN.test(pollToken)) throw validationError([{ path: "pollToken", message: "must be the pollToken the login answered (ghcli_…)" }]);
  const pollHash = hashOf(pollToken);
  const now = new Date(at);
  const claimed = await db().cliLogin.updateManyAndReturn({
    where: { pollHash, status: "approved", expiresAt: { gt: now } },
    data: { status: "collected", collectedAt: now },
  });
  const login = claimed[0];
  if (!login) {
    const found = await db().cliLogin.findUnique({ where: { pollHash }, select: { status: true, expiresAt: true } });
    // Approved between the claim and this read: the next poll claims it.
    if ((found?.status === "pending" || found?.status === "approved") && found.expiresAt > now) return { status: "pending", interval: POLL_INTERVAL_SECONDS };
    return { status: found?.status === "denied" && found.expiresAt > now ? "denied" : "expired" };
  }
  const membership = login.membershipId
    ? await db().membership.findFirst({ where: { id: login.membershipId, orgId: login.orgId ?? "", removedAt: null }, include: { org: { select: { slug: true } } } })
    : null;
  // Removed from the org since they confirmed: nothing is issued.
  if (!membership) return { status: "expired" };
  const ctx = await getMemberContext({ userId: membership.userId, orgSlug: membership.org.slug, requestId: login.id });
  const issued = await issueAdminKey({
    ctx,
    input: { membershipId: membership.id, name: `cli: ${login.deviceName ?? login.client}`.slice(0, 100), expiresInDays: CLI_KEY_DAYS, refreshDays: CLI_KEY_DAYS },
    now: at,
  });
  await db().cliLogin.update({ where: { id: login.id }, data: { keyId: issued.id } });
  return {
    status: "approved",
    apiKey: issued.apiKey,
    key: { id: issued.id, prefix: issued.prefix, expiresAt: issued.expiresAt },
    org: { slug: ctx.org.slug, name: ctx.org.name },
  };
}
