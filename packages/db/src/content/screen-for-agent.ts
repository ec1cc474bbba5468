import type { Screened } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { agentSnapshot } from "../snapshots/agent-snapshot";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";
import { getOrgPolicies } from "../snapshots/policy-cache";
import { contentActionsFor, openScreen, refuseDenied } from "./content-screen";

/**
 * What an agent writes besides a decision (an outcome's message, its own evidence) through the content
 * screen (docs/content.md): the rules of `actionType`'s policies for the agent (a delegate's: its root
 * agent's) and the org default; without an action type, the org default. A finding of a class set to
 * `deny` refuses the call (400 naming `field`), so nothing of it is written.
 */
export async function screenForAgent<T>(ctx: Ctx, actionType: string | undefined, value: T, field: string, verb: string): Promise<Screened<T>> {
  const actor = requireAgent(ctx);
  const [settings, policies, subject] = await Promise.all([
    orgSettingsSnapshot(ctx.org.id),
    getOrgPolicies(ctx.org.id),
    agentSnapshot(ctx.org.id, actor.delegation?.rootAgentId ?? actor.agentId),
  ]);
  const rules =
    actionType === undefined || policies.tampered.length > 0 || !subject ? [] : policies.set.contentFor(actionType, { id: subject.id, name: subject.name, labels: subject.labels });
  const actions = contentActionsFor(settings, rules);
  const screen = (await openScreen(ctx.org.id, [{ field, value }], { actions })).with(actions);
  return refuseDenied(screen(value, [field]), field, verb);
}
