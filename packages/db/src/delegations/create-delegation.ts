import { screenWithOrgSettings } from "../content/content-screen";
import { createDelegationBodySchema, type CreatedDelegation } from "@gatehouse/contracts";
import { conflict, delegationScope, delegationSettings, newId, randomToken, uncoveredCapability, unauthenticated, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import { db, TX_OPTIONS } from "../infra/client";
import { fairShare } from "../infra/fair-share";
import { insertApiKey } from "../keys/insert-api-key";
import { earlierIssue, forgetReissued, idempotencyRef, reissueKey } from "../keys/reissue";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";
import { requireStandingNow } from "../actors/delegation-chain";
import { delegationView } from "./delegation-view";

/** What a root agent may delegate: everything (its own decisions are bounded by policies, as its delegates' are). */
const ROOT_CAPABILITIES = ["*"] as const;

/**
 * Delegates: the calling agent (a root agent, or a delegate) creates a short-lived child agent with a
 * subset of its capabilities. In one transaction, under the org's log lock (so two calls cannot both
 * take the last free slot): the parent's own chain is read fresh (a revoked or expired parent cannot
 * delegate: 401 DELEGATION_REVOKED / DELEGATION_EXPIRED; a halted parent or ancestor: 403 AGENT_HALTED),
 * each capability must be covered by the parent's (403 DELEGATION_SCOPE naming it), the lifetime must
 * end no later than the parent's (403 naming `ttlSeconds`), and the org's depth and active-children
 * caps hold (409); then the child agent (labelled with its parent and root), its key (expiring with
 * the delegation), the delegation row (with the key it was made with) and a `delegation.created`
 * entry are written. With an `idempotencyKey`, a retry within 24 hours by the same key, after the same
 * checks, answers the same delegation (same name and capabilities, neither revoked nor expired) with
 * a fresh secret; the idempotency key of another caller never matches.
 */
export async function createDelegation({
  ctx,
  input,
  idempotencyKey,
  now = Date.now(),
}: {
  ctx: Ctx;
  input: unknown;
  idempotencyKey?: string | undefined;
  now?: number;
}): Promise<CreatedDelegation> {
  const actor = requireAgent(ctx);
  const parsed = createDelegationBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { name, capabilities, ttlSeconds } = parsed.data;
  // Free JSON an agent keeps with the delegation: screened like a decision's metadata (docs/content.md).
  const metadata = parsed.data.metadata === undefined ? undefined : await screenWithOrgSettings(ctx.org.id, "metadata", parsed.data.metadata);
  const limits = delegationSettings(await orgSettingsSnapshot(ctx.org.id));
  let reissued: string | null = null;
  // Each creation waits for the org's log lock holding a pooled connection: a burst takes turns in
  // the org's fair share (infra/fair-share.ts) instead of emptying the pool for every org.
  const result = await fairShare().run(ctx.org.id, "delegation creation", () =>
    db().$transaction(async (tx) => {
      await lockAuditLog(tx, ctx.org.id);
      // Every check runs first, for a new delegation and for a retry alike: the parent and every agent
      // above it active, its own chain (read now, not the cached one) unrevoked and unexpired.
      const chain = await requireStandingNow(tx, ctx.org.id, actor.agentId, now);
      // The calling key itself, read under the lock: a revoke of it that committed since the request was
      // authenticated must not be outrun by a delegation it would have ended (revokeApiKey takes this lock too).
      const caller = await tx.apiKey.findFirst({ where: { id: actor.keyId, orgId: ctx.org.id, revokedAt: null }, select: { expiresAt: true } });
      if (!caller || (caller.expiresAt && !(caller.expiresAt.getTime() > now))) throw unauthenticated("this API key was revoked or has expired");
      const parent = await tx.agent.findFirstOrThrow({ where: { id: actor.agentId, orgId: ctx.org.id } });
      const own = chain?.links[chain.links.length - 1];
      const parentCapabilities = own ? own.capabilities : ROOT_CAPABILITIES;
      const uncovered = uncoveredCapability(parentCapabilities, capabilities);
      if (uncovered !== null) {
        const index = capabilities.indexOf(uncovered);
        throw delegationScope(`capability '${uncovered}' is not covered by this agent's own capabilities (${parentCapabilities.join(", ")})`, {
          path: `capabilities[${index}]`,
          message: `'${uncovered}' is not covered by ${parentCapabilities.join(", ")}`,
        });
      }
      // A retry is known only to the key that made the first call (earlierIssue scopes it to the caller).
      const earlier = idempotencyKey ? await earlierIssue(tx, ctx, "delegation.created", idempotencyKey) : null;
      if (earlier) {
        const row = await tx.delegation.findFirst({ where: { id: earlier.subjectId, orgId: ctx.org.id } });
        const key = row?.keyId ? await tx.apiKey.findFirst({ where: { id: row.keyId, orgId: ctx.org.id } }) : null;
        if (!row || !key || row.name !== name || row.parentAgentId !== actor.agentId || !sameCapabilities(row.capabilities, capabilities)) {
          throw conflict("this Idempotency-Key was used for another delegation");
        }
        if (row.revokedAt) throw conflict("the delegation this Idempotency-Key created has been revoked since: delegate again with a new Idempotency-Key");
        if (!(row.expiresAt.getTime() > now)) throw conflict("the delegation this Idempotency-Key created has expired: delegate again with a new Idempotency-Key");
        const fresh = await reissueKey(tx, ctx, key, now);
        reissued = key.id;
        return { delegation: delegationView(row), apiKey: fresh.plaintext };
      }

      const expiresAt = new Date(now + ttlSeconds * 1000);
      if (own && expiresAt.getTime() > own.expiresAt.getTime()) {
        const remaining = Math.max(0, Math.floor((own.expiresAt.getTime() - now) / 1000));
        throw delegationScope(`ttlSeconds ${ttlSeconds} outlives this agent's own delegation (${remaining} seconds left)`, {
          path: "ttlSeconds",
          message: `must be at most ${remaining}, this agent's own remaining time`,
        });
      }
      const depth = (chain?.depth ?? 0) + 1;
      if (depth > limits.maxDepth) throw conflict(`a delegation chain may be at most ${limits.maxDepth} deep (the org's delegation.maxDepth)`, { maxDepth: limits.maxDepth });
      const [{ active } = { active: 0 }] = await tx.$queryRaw<Array<{ active: number }>>`
      SELECT count(*)::int AS active FROM delegations
      WHERE org_id = ${ctx.org.id} AND parent_agent_id = ${parent.id} AND revoked_at IS NULL AND expires_at > ${new Date(now)}`;
      if (active >= limits.maxActiveChildren) {
        throw conflict(`this agent already holds ${active} active delegations (the org's delegation.maxActiveChildren is ${limits.maxActiveChildren})`, {
          maxActiveChildren: limits.maxActiveChildren,
        });
      }

      const id = newId("delegation");
      const rootAgentId = chain?.rootAgentId ?? parent.id;
      const rootAgentName = chain?.rootAgentName ?? parent.name;
      // The delegate is an agent of its own, named after the delegation (unique in the org).
      const child = await tx.agent.create({
        data: {
          id: newId("agent"),
          orgId: ctx.org.id,
          name: `${name}.${randomToken(8).toLowerCase()}`,
          description: `Delegate of ${parent.name} (${id})`,
          labels: { "gatehouse.delegation": id, "gatehouse.delegatedBy": parent.name, "gatehouse.rootAgent": rootAgentName },
        },
      });
      const key = await insertApiKey(tx, { orgId: ctx.org.id, holder: { kind: "agent", agentId: child.id }, name: `delegation ${id}`, expiresAt });
      const row = await tx.delegation.create({
        data: {
          id,
          orgId: ctx.org.id,
          name,
          parentAgentId: parent.id,
          childAgentId: child.id,
          rootAgentId,
          parentDelegationId: own?.delegationId ?? null,
          keyId: key.id,
          createdByKeyId: actor.keyId,
          capabilities,
          metadata: (metadata ?? {}) as object,
          depth,
          expiresAt,
        },
      });
      await appendAuditEntry(tx, ctx.org.id, {
        type: "delegation.created",
        actor: actorRef(ctx.actor),
        agentId: parent.id,
        subjectId: id,
        data: {
          delegationId: id,
          name,
          parentAgentId: parent.id,
          parentAgentName: parent.name,
          childAgentId: child.id,
          childAgentName: child.name,
          rootAgentId,
          capabilities,
          depth,
          expiresAt: expiresAt.toISOString(),
          keyId: key.id,
          keyPrefix: key.prefix,
          ...(metadata ? { metadata } : {}),
          ...(idempotencyKey ? { idempotencyRef: idempotencyRef(ctx.actor, idempotencyKey) } : {}),
        },
      });
      return { delegation: delegationView(row), apiKey: key.plaintext };
    }, TX_OPTIONS),
  );
  if (reissued) await forgetReissued(reissued);
  return result;
}

function sameCapabilities(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
