import type { ChainLink } from "@gatehouse/core";
import { db } from "../infra/client";

/** A delegate's chain as its key carries it: resolved once per key verification and cached with it. */
export interface ResolvedChain {
  /** The delegate's own delegation. */
  delegationId: string;
  rootAgentId: string;
  rootAgentName: string;
  depth: number;
  /** The root's delegate first, this agent's own delegation last. */
  links: ChainLink[];
}

interface LinkRow {
  id: string;
  child_agent_id: string;
  child_name: string;
  parent_agent_id: string;
  root_agent_id: string;
  root_name: string;
  capabilities: string[];
  expires_at: Date;
  revoked_at: Date | null;
  depth: number;
}

/**
 * The chain of the delegation whose delegate is `childAgentId` (root first), or null for an agent
 * that is no delegate (a root agent). One recursive query up `parent_delegation_id`.
 */
export async function resolveChain(orgId: string, childAgentId: string): Promise<ResolvedChain | null> {
  const { rows } = await db().pool.query<LinkRow>(
    `WITH RECURSIVE up AS (
       SELECT d.* FROM delegations d WHERE d.org_id = $1 AND d.child_agent_id = $2
       UNION ALL
       SELECT p.* FROM delegations p JOIN up ON p.id = up.parent_delegation_id WHERE p.org_id = $1
     )
     SELECT up.id, up.child_agent_id, c.name AS child_name, up.parent_agent_id, up.root_agent_id, r.name AS root_name,
            up.capabilities, up.expires_at, up.revoked_at, up.depth
     FROM up JOIN agents c ON c.id = up.child_agent_id JOIN agents r ON r.id = up.root_agent_id
     ORDER BY up.depth`,
    [orgId, childAgentId],
  );
  const own = rows[rows.length - 1];
  if (!own) return null;
  return {
    delegationId: own.id,
    rootAgentId: own.root_agent_id,
    rootAgentName: own.root_name,
    depth: own.depth,
    links: rows.map((r) => ({
      delegationId: r.id,
      agentId: r.child_agent_id,
      agentName: r.child_name,
      parentAgentId: r.parent_agent_id,
      capabilities: r.capabilities,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
    })),
  };
}

/** The agents above a delegate (its root first, its parent last): every one must be active for it to act. */
export function ancestorsOf(chain: ResolvedChain): string[] {
  return chain.links.map((link) => link.parentAgentId);
}
