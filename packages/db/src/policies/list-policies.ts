import type { PolicyView } from "@gatehouse/contracts";
import { validationError } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { listActivePolicyVersions } from "./list-active-policy-versions";
import { getOrgPolicies } from "../snapshots/policy-cache";

export type { PolicyView };

/**
 * The org's active policies, as an agent sees them: `scope=org` all of them, `scope=own` (default)
 * those whose agent patterns match the calling agent (for a delegate: its root agent).
 */
export async function listPolicies({ ctx, input }: { ctx: Ctx; input: { scope?: string } }): Promise<{ scope: "own" | "org"; policies: PolicyView[] }> {
  const scope = input.scope ?? "own";
  if (scope !== "own" && scope !== "org") throw validationError([{ path: "scope", message: "must be 'own' or 'org'" }]);
  const versions = await listActivePolicyVersions(ctx.org.id);
  let visible = versions;
  if (scope === "own" && ctx.actor.type === "agent") {
    // A delegate sees its root agent's policies: they are the ones that decide for it.
    const agent = await db().agent.findFirstOrThrow({ where: { id: ctx.actor.delegation?.rootAgentId ?? ctx.actor.agentId, orgId: ctx.org.id } });
    const facts = { id: agent.id, name: agent.name, labels: agent.labels as Record<string, string> };
    const set = (await getOrgPolicies(ctx.org.id)).set;
    const applies = new Set(set.policies.filter((p) => p.matchesAgent(facts)).map((p) => p.versionId));
    visible = versions.filter((v) => applies.has(v.id));
  }
  return {
    scope,
    policies: visible.map((v) => ({ name: v.name, version: v.version, versionId: v.id, contentHash: v.contentHash, document: v.document as Record<string, unknown> })),
  };
}
