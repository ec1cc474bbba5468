import { agentHalted, delegationExpired, delegationRevoked, notFound, type ChainLink } from "@gatehouse/core";
import { agentSnapshot } from "../snapshots/agent-snapshot";
import { db, type Tx } from "../infra/client";

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

const CHAIN_QUERY = `WITH RECURSIVE up AS (
     SELECT d.* FROM delegations d WHERE d.org_id = $1 AND d.child_agent_id = $2
     UNION ALL
     SELECT p.* FROM delegations p JOIN up ON p.id = up.parent_delegation_id WHERE p.org_id = $1
   )
   SELECT up.id, up.child_agent_id, c.name AS child_name, up.parent_agent_id, up.root_agent_id, r.name AS root_name,
          up.capabilities, up.expires_at, up.revoked_at, up.depth
   FROM up JOIN agents c ON c.id = up.child_agent_id JOIN agents r ON r.id = up.root_agent_id
   ORDER BY up.depth`;

/**
 * The chain of the delegation whose delegate is `childAgentId` (root first), or null for an agent
 * that is no delegate (a root agent). One recursive query up `parent_delegation_id`.
 */
export async function resolveChain(orgId: string, childAgentId: string, tx?: Tx): Promise<ResolvedChain | null> {
  // Inside a transaction, on its own connection: a second connection would wait for this one to
  // commit where the database serializes sessions (the embedded PGlite behind `npm start`).
  const rows = tx ? await tx.$queryRawUnsafe<LinkRow[]>(CHAIN_QUERY, orgId, childAgentId) : (await db().pool.query<LinkRow>(CHAIN_QUERY, [orgId, childAgentId])).rows;
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

/** Why a delegate's authority no longer stands, or null while it does. */
export type LostAuthority = "DELEGATION_REVOKED" | "DELEGATION_EXPIRED" | "AGENT_HALTED";

/**
 * A delegate's authority stands while every link of its chain is unrevoked and unexpired at `now`
 * and every agent above it exists and is active. A revoke or an expiry is final, so it is reported
 * before a halt (which a resume undoes). `ancestors` are the statuses of {@link ancestorsOf}, in order.
 */
export function lostAuthority(chain: ResolvedChain, ancestors: ReadonlyArray<{ status: string } | null>, now: number): LostAuthority | null {
  if (chain.links.some((link) => link.revokedAt !== null) || ancestors.some((a) => a === null)) return "DELEGATION_REVOKED";
  if (chain.links.some((link) => !(link.expiresAt.getTime() > now))) return "DELEGATION_EXPIRED";
  if (ancestors.some((a) => a?.status === "halted")) return "AGENT_HALTED";
  return null;
}

/** The error every call of a delegate whose authority ended answers (a decision answers a recorded denial instead). */
export function lostAuthorityError(lost: LostAuthority) {
  switch (lost) {
    case "DELEGATION_REVOKED":
      return delegationRevoked("the delegation behind this API key was revoked: its key works no more");
    case "DELEGATION_EXPIRED":
      return delegationExpired("the delegation behind this API key has expired: its key works no more");
    case "AGENT_HALTED":
      return agentHalted("an agent above this delegate is halted: the delegate cannot act until it is resumed");
  }
}

/**
 * Refuses a delegate whose authority ended, from its cached chain and the per-process agent snapshots
 * (the same sources a decision reads: a halt reaches them at once through `agent.changed`, a revoke
 * through `delegations.revoked`). A root agent (no chain) always stands.
 */
export async function requireStanding(orgId: string, chain: ResolvedChain | undefined, now = Date.now()): Promise<void> {
  if (!chain) return;
  const ancestors = await Promise.all(ancestorsOf(chain).map((id) => agentSnapshot(orgId, id, now)));
  const lost = lostAuthority(chain, ancestors, now);
  if (lost) throw lostAuthorityError(lost);
}

/**
 * The same check read fresh inside a transaction, for the calls that hand out authority (delegating,
 * reissuing a key): `agentId` itself must be active too. Answers the agent's chain (null for a root agent).
 */
export async function requireStandingNow(tx: Tx, orgId: string, agentId: string, now: number): Promise<ResolvedChain | null> {
  const chain = await resolveChain(orgId, agentId, tx);
  const ids = [...(chain ? ancestorsOf(chain) : []), agentId];
  const rows = await tx.agent.findMany({ where: { orgId, id: { in: ids } }, select: { id: true, status: true } });
  const status = new Map(rows.map((r) => [r.id, r]));
  const self = status.get(agentId);
  if (!self) throw notFound("agent");
  if (chain) {
    const lost = lostAuthority(
      chain,
      ancestorsOf(chain).map((id) => status.get(id) ?? null),
      now,
    );
    if (lost) throw lostAuthorityError(lost);
  }
  if (self.status === "halted") throw agentHalted("this agent is halted: it cannot hand out authority until it is resumed");
  return chain;
}
