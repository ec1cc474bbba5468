import { createHash } from "node:crypto";
import { randomToken } from "@gatehouse/core";
import type { Tx } from "../infra/client";
import { db } from "../infra/client";

export type TokenPurpose = "verify_email" | "reset_password" | "sign_in";

/** How long a link works. */
export const TOKEN_TTL_MS: Record<TokenPurpose, number> = { verify_email: 24 * 60 * 60_000, reset_password: 60 * 60_000, sign_in: 15 * 60_000 };
/** A new link of a kind is not sent more often than this per account (the answer stays the same). */
export const RESEND_COOLDOWN_MS = 60_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * A new single-use token for the user; only its hash is stored, with the user's session version (the
 * token dies when it moves on: endEverySession). Earlier unused ones of the purpose stay valid until
 * they expire or one is used.
 */
export async function issueToken(tx: Tx, userId: string, purpose: TokenPurpose, now = new Date()): Promise<string> {
  const token = randomToken(43);
  const { sessionVersion } = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { sessionVersion: true } });
  await tx.accountToken.create({
    data: {
      id: `tok_${randomToken(22)}`,
      userId,
      purpose,
      tokenHash: hashToken(token),
      expiresAt: new Date(now.getTime() + TOKEN_TTL_MS[purpose]),
      createdAt: now,
      sessionVersion,
    },
  });
  return token;
}

/** True when the user was sent a link of this purpose within the cooldown. */
export async function sentRecently(userId: string, purpose: TokenPurpose, now = new Date()): Promise<boolean> {
  const recent = await db().accountToken.findFirst({ where: { userId, purpose, createdAt: { gt: new Date(now.getTime() - RESEND_COOLDOWN_MS) } }, select: { id: true } });
  return recent !== null;
}

/**
 * Spends a token inside the caller's transaction: the conditional update succeeds for exactly one
 * caller, so a link works once even when clicked twice at the same moment. Every other unused token
 * of the purpose for that user is spent with it. Null for an unknown, used, expired or other-purpose
 * token, and for one issued before the user's session version last moved on (password changed or
 * reset, "sign out everywhere", removed from an org or given another role).
 */
export async function consumeToken(tx: Tx, token: string, purpose: TokenPurpose, now = new Date()): Promise<{ userId: string } | null> {
  const row = await tx.accountToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, userId: true, purpose: true, sessionVersion: true, user: { select: { sessionVersion: true } } },
  });
  if (!row || row.purpose !== purpose || row.sessionVersion !== row.user.sessionVersion) return null;
  const spent = await tx.accountToken.updateMany({ where: { id: row.id, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  if (spent.count !== 1) return null;
  await tx.accountToken.updateMany({ where: { userId: row.userId, purpose, usedAt: null }, data: { usedAt: now } });
  return { userId: row.userId };
}
