import type { Delegation } from "@gatehouse/contracts";

export interface DelegationRow {
  id: string;
  name: string;
  parentAgentId: string;
  childAgentId: string;
  rootAgentId: string;
  parentDelegationId: string | null;
  capabilities: string[];
  depth: number;
  expiresAt: Date;
  revokedAt: Date | null;
  createdAt: Date;
}

/** A delegation as the API answers it. */
export function delegationView(row: DelegationRow): Delegation {
  return {
    id: row.id,
    name: row.name,
    parentAgentId: row.parentAgentId,
    childAgentId: row.childAgentId,
    rootAgentId: row.rootAgentId,
    capabilities: row.capabilities,
    depth: row.depth,
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
