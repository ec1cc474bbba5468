import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";

/** The console's onboarding checklist, each step read from what the org holds. */
export interface OnboardingState {
  steps: {
    /** The org has an agent. */
    agentCreated: boolean;
    /** An agent key was issued (and shown once) for one of its agents. */
    keyIssued: boolean;
    /** The org has an active policy (the starter one or its own). */
    policyApplied: boolean;
    /** An agent has made its first call (a decision is recorded). */
    firstCall: boolean;
  };
  /** All four steps are done, or the org is closed (nothing can be set up in it any more). */
  done: boolean;
  /** The org's first agent, for the checklist's links. */
  agent: { id: string; name: string } | null;
}

/**
 * Where the org stands on the onboarding checklist (every member may read it: agents.read). Derived
 * from the org's agents, keys, policies and decisions, so nothing is stored and nothing to keep in step.
 */
export async function getOnboardingState({ ctx }: { ctx: Ctx }): Promise<OnboardingState> {
  requirePermission(ctx, "agents.read");
  const orgId = ctx.org.id;
  const [org, agent, key, policy, action] = await Promise.all([
    db().org.findUniqueOrThrow({ where: { id: orgId }, select: { closedAt: true } }),
    db().agent.findFirst({ where: { orgId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { id: true, name: true } }),
    db().apiKey.findFirst({ where: { orgId, kind: "agent" }, select: { id: true } }),
    db().policy.findFirst({ where: { orgId, status: "active" }, select: { id: true } }),
    db().action.findFirst({ where: { orgId }, select: { id: true } }),
  ]);
  const steps = { agentCreated: agent !== null, keyIssued: key !== null, policyApplied: policy !== null, firstCall: action !== null };
  return { steps, done: org.closedAt !== null || Object.values(steps).every(Boolean), agent };
}
