import { hashApiKey, parseApiKey, unauthenticated, type MemberRole } from "@gatehouse/core";
import type { Actor, OrgRef } from "../actors/context";
import { noteAgentSeen } from "../actors/note-agent-seen";
import { db } from "../infra/client";
import type { Signal } from "../infra/signals";
import { SharedLookups } from "../infra/shared-lookups";
import { touchMemberActivity } from "../actors/member-activity";
import { lostAuthority, lostAuthorityError, requireStanding, resolveChain } from "../actors/delegation-chain";

export interface KeyPrincipal {
  org: OrgRef;
  actor: Extract<Actor, { type: "agent" | "adminKey" }>;
}

interface CacheEntry {
  principal: KeyPrincipal;
  expiresAt: number;
}

/**
 * How long a verified key is trusted without a database read. A revocation, or a change of the key's
 * member (role changed, removed), or the closing of its org, evicts at once in this process and, through
 * the `key.revoked`, `member.changed` and `org.closed` signals, in the others; a lost signal is noticed
 * within this bound.
 */
export const KEY_CACHE_TTL_MS = 2_000;
const LAST_USED_EVERY_MS = 60_000;
const MAX_CACHED = 10_000;

const cache = new Map<string, CacheEntry>();
const lastUsedWritten = new Map<string, number>();
/** Lookups under way, by key hash; an eviction (revocation) keeps earlier lookups from caching. */
const lookups = new SharedLookups<KeyPrincipal>();

/** Forget cached verifications (all, or one key's) — called when keys are revoked. */
export function evictKeyCache(keyId?: string): void {
  lookups.forget();
  if (!keyId) return cache.clear();
  for (const [hash, entry] of cache) if (entry.principal.actor.keyId === keyId) cache.delete(hash);
}

/** Forget cached verifications of one member's admin keys — called when their role changes or they are removed. */
export function evictMemberKeys(membershipId: string): void {
  lookups.forget();
  for (const [hash, entry] of cache) if (entry.principal.actor.type === "adminKey" && entry.principal.actor.membershipId === membershipId) cache.delete(hash);
}

/** Forget cached verifications of every key of one org — called when the org is closed (`org.closed`). */
export function evictOrgKeys(orgId: string): void {
  lookups.forget();
  for (const [hash, entry] of cache) if (entry.principal.org.id === orgId) cache.delete(hash);
}

/** Forget cached verifications of delegates under any of `delegationIds` — called when a subtree is revoked (`delegations.revoked`). */
export function evictDelegates(delegationIds: readonly string[]): void {
  lookups.forget();
  const ids = new Set(delegationIds);
  for (const [hash, entry] of cache) {
    const { actor } = entry.principal;
    if (actor.type === "agent" && actor.delegationChain.some((id) => ids.has(id))) cache.delete(hash);
  }
}

/**
 * What every API process does with the signals other instances send: forget the cached
 * verifications a revocation, a member's change or an org's closing makes stale.
 */
export function forgetKeysOnSignal(signal: Signal): void {
  if (signal.type === "key.revoked") evictKeyCache(signal.keyId);
  if (signal.type === "member.changed") evictMemberKeys(signal.membershipId);
  if (signal.type === "org.closed") evictOrgKeys(signal.orgId);
  if (signal.type === "delegations.revoked") evictDelegates(signal.delegationIds);
}

/** The answer to a key of a closed org: 401 like any key that stopped working, its message saying why. */
export const orgClosedKey = () => unauthenticated("the organization of this API key is closed");

/**
 * Resolves `Authorization: Bearer <key>` to who is calling. The format is checked before any lookup;
 * the lookup is by SHA-256 of the key. Missing, malformed, unknown, revoked or expired keys, and keys of
 * halted-for-good (deleted) principals, all answer the same UNAUTHENTICATED error. Keys of a closed org
 * answer UNAUTHENTICATED too, saying so (the org's closing is no secret to its own keys).
 */
export async function authenticateApiKey(presented: string | undefined, now = Date.now()): Promise<KeyPrincipal> {
  if (!presented) throw unauthenticated("missing API key: send 'Authorization: Bearer <key>'");
  if (!parseApiKey(presented)) throw unauthenticated("malformed API key");
  const hash = hashApiKey(presented);
  const cached = cache.get(hash);
  const principal = cached && cached.expiresAt > now ? cached.principal : await lookups.run(hash, (isCurrent) => lookUp(hash, now, isCurrent));
  if (principal.actor.type === "adminKey") touchMemberActivity(principal.actor.membershipId, now);
  // Any call with an agent's key is a sign of life (docs/agents.md, Presence): observation, not awaited.
  else if (principal.actor.type === "agent") noteAgentSeen(principal.actor.agentId, now);
  return principal;
}

async function lookUp(hash: string, now: number, isCurrent: () => boolean): Promise<KeyPrincipal> {
  const key = await db().apiKey.findUnique({
    where: { keyHash: hash },
    include: { org: true, agent: true, membership: true },
  });
  if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) {
    cache.delete(hash);
    // A delegate's key ends with its delegation: its holder is told which way (revoked, or expired).
    const delegation = key?.agentId ? await db().delegation.findUnique({ where: { childAgentId: key.agentId }, select: { id: true } }) : null;
    if (key && delegation) throw lostAuthorityError(key.revokedAt ? "DELEGATION_REVOKED" : "DELEGATION_EXPIRED");
    throw unauthenticated("unknown or revoked API key");
  }
  if (key.org.closedAt) {
    cache.delete(hash);
    throw orgClosedKey();
  }
  const org = { id: key.org.id, slug: key.org.slug, name: key.org.name };
  let principal: KeyPrincipal;
  if (key.kind === "agent" && key.agent) {
    // A delegate's chain is resolved here, once per verification, and cached with it.
    const chain = await resolveChain(org.id, key.agent.id);
    // A link above revoked or expired ends the key too (a revoke also revokes the keys below it; this holds if that ever lagged).
    const lost = chain ? lostAuthority(chain, [], now) : null;
    if (lost) throw lostAuthorityError(lost);
    principal = {
      org,
      actor: {
        type: "agent",
        agentId: key.agent.id,
        agentName: key.agent.name,
        keyId: key.id,
        delegationChain: chain ? chain.links.map((l) => l.delegationId) : [],
        ...(chain ? { delegation: chain } : {}),
      },
    };
  } else if (key.kind === "admin" && key.membership && !key.membership.removedAt) {
    principal = {
      org,
      actor: { type: "adminKey", keyId: key.id, userId: key.membership.userId, membershipId: key.membership.id, role: key.membership.role as MemberRole },
    };
  } else {
    throw unauthenticated("unknown or revoked API key");
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  // A key that expires sooner (a delegate's) is not trusted past its expiry.
  if (isCurrent()) cache.set(hash, { principal, expiresAt: Math.min(now + KEY_CACHE_TTL_MS, key.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) });
  touchLastUsed(key.id, now);
  return principal;
}

/**
 * Refuses a delegate whose authority ended — an agent above it halted (403 AGENT_HALTED), a link
 * revoked or expired (401) — on every call but a decision, which answers and records the denial
 * itself (prepareDecision). Reads the same per-process snapshots as a decision, so a halt or a revoke
 * on any instance holds here from its signal on (without Redis, from another instance: within the
 * agent snapshot's 1 s for a halt, the key cache's 2 s for a revoke).
 */
export async function requireStandingKey(principal: KeyPrincipal, now = Date.now()): Promise<void> {
  if (principal.actor.type === "agent") await requireStanding(principal.org.id, principal.actor.delegation, now);
}

/** Observation, so it fails open: a failed write never fails the request. */
function touchLastUsed(keyId: string, now: number): void {
  const last = lastUsedWritten.get(keyId) ?? 0;
  if (now - last < LAST_USED_EVERY_MS) return;
  lastUsedWritten.set(keyId, now);
  db()
    .apiKey.update({ where: { id: keyId }, data: { lastUsedAt: new Date(now) } })
    .catch(() => lastUsedWritten.delete(keyId));
}
