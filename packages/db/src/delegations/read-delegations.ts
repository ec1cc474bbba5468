import type { DelegationList, DelegationTree, Delegation } from "@gatehouse/contracts";
import { delegationListQuerySchema, adminDelegationQuerySchema } from "@gatehouse/contracts";
import { notFound, validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requireAgent, requirePermission } from "../actors/require-permission";
import { db, type Tx } from "../infra/client";
import { resolveChain } from "../actors/delegation-chain";
import { delegationView } from "./delegation-view";

/** Whether `agentId` is an ancestor (parent, grandparent, … root) of the delegate `childAgentId`. */
export async function isAncestor(orgId: string, agentId: string, childAgentId: string, tx?: Tx): Promise<boolean> {
  const chain = await resolveChain(orgId, childAgentId, tx);
  return chain !== null && chain.links.some((link) => link.parentAgentId === agentId);
}

/**
 * The calling agent's delegations: `parent` (default) those it granted, `child` the one it received.
 * `activeOnly`: neither revoked nor expired.
 */
export async function listDelegations({ ctx, input, now = Date.now() }: { ctx: Ctx; input: unknown; now?: number }): Promise<DelegationList> {
  const actor = requireAgent(ctx);
  const parsed = delegationListQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const role = parsed.data.role ?? "parent";
  const activeOnly = parsed.data.activeOnly === "true" || parsed.data.activeOnly === "1";
  const rows = await db().delegation.findMany({
    where: {
      orgId: ctx.org.id,
      ...(role === "parent" ? { parentAgentId: actor.agentId } : { childAgentId: actor.agentId }),
      ...(activeOnly ? { revokedAt: null, expiresAt: { gt: new Date(now) } } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 1000,
  });
  return { delegations: rows.map(delegationView) };
}

/** One delegation, for its delegate or any of its ancestors; anyone else (a sibling, another org) gets a 404. */
export async function getDelegation({ ctx, input }: { ctx: Ctx; input: { delegationId: string } }): Promise<Delegation> {
  const actor = requireAgent(ctx);
  const row = await db().delegation.findFirst({ where: { id: input.delegationId, orgId: ctx.org.id } });
  if (!row) throw notFound("delegation");
  if (row.childAgentId !== actor.agentId && !(await isAncestor(ctx.org.id, actor.agentId, row.childAgentId))) throw notFound("delegation");
  return delegationView(row);
}

/** The delegation tree below an agent (members with `agents.read`): every delegation whose root or ancestor it is. */
export async function getDelegationTree({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<DelegationTree> {
  requirePermission(ctx, "agents.read");
  const parsed = adminDelegationQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const agent = await db().agent.findFirst({ where: { id: parsed.data.agentId, orgId: ctx.org.id }, select: { id: true } });
  if (!agent) throw notFound("agent");
  const rows = await db().$queryRaw<
    Array<{
      id: string;
      name: string;
      parent_agent_id: string;
      child_agent_id: string;
      root_agent_id: string;
      parent_delegation_id: string | null;
      capabilities: string[];
      depth: number;
      expires_at: Date;
      revoked_at: Date | null;
      created_at: Date;
    }>
  >`
    WITH RECURSIVE tree AS (
      SELECT d.* FROM delegations d WHERE d.org_id = ${ctx.org.id} AND d.parent_agent_id = ${agent.id}
      UNION ALL
      SELECT d.* FROM delegations d JOIN tree ON d.parent_delegation_id = tree.id WHERE d.org_id = ${ctx.org.id}
    )
    SELECT id, name, parent_agent_id, child_agent_id, root_agent_id, parent_delegation_id, capabilities, depth, expires_at, revoked_at, created_at
    FROM tree ORDER BY depth, created_at, id LIMIT 10000`;
  return {
    agentId: agent.id,
    delegations: rows.map((r) => ({
      ...delegationView({
        id: r.id,
        name: r.name,
        parentAgentId: r.parent_agent_id,
        childAgentId: r.child_agent_id,
        rootAgentId: r.root_agent_id,
        parentDelegationId: r.parent_delegation_id,
        capabilities: r.capabilities,
        depth: r.depth,
        expiresAt: r.expires_at,
        revokedAt: r.revoked_at,
        createdAt: r.created_at,
      }),
      parentDelegationId: r.parent_delegation_id,
    })),
  };
}

/** A delegate's chain for the console (members with `agents.read`): its agents root first, itself last; null for a root agent. */
export async function getAgentChain({ ctx, input }: { ctx: Ctx; input: { agentId: string } }): Promise<Array<{ agentId: string; name: string }> | null> {
  requirePermission(ctx, "agents.read");
  const chain = await resolveChain(ctx.org.id, input.agentId);
  if (!chain) return null;
  return [{ agentId: chain.rootAgentId, name: chain.rootAgentName }, ...chain.links.map((link) => ({ agentId: link.agentId, name: link.agentName }))];
}
