import { conflict, newId } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import { db, TX_OPTIONS } from "../infra/client";

/** The org's agent Gatehouse's own actions (a policy publish waiting for approval) belong to. */
export const POLICY_AGENT_NAME = "gatehouse-policies";
export const SYSTEM_LABEL = "gatehouse.system";

/**
 * The org's `gatehouse-policies` agent (label `gatehouse.system=true`), created on first use with an
 * `agent.created` entry by the member whose publish needed it. It has no key: nothing can act as it.
 * An agent of that name a member created (without the label) is a 409 rather than borrowed.
 */
export async function ensurePolicyAgent(ctx: Ctx): Promise<{ id: string; name: string }> {
  const found = await db().agent.findUnique({ where: { orgId_name: { orgId: ctx.org.id, name: POLICY_AGENT_NAME } }, select: { id: true, name: true, labels: true } });
  const agent =
    found ??
    (await db().$transaction(async (tx) => {
      await lockAuditLog(tx, ctx.org.id);
      const again = await tx.agent.findUnique({ where: { orgId_name: { orgId: ctx.org.id, name: POLICY_AGENT_NAME } }, select: { id: true, name: true, labels: true } });
      if (again) return again;
      const labels = { [SYSTEM_LABEL]: "true" };
      const created = await tx.agent.create({
        data: {
          id: newId("agent"),
          orgId: ctx.org.id,
          name: POLICY_AGENT_NAME,
          description: "Gatehouse's own actions: policy publishes and settings changes waiting for a second admin's approval.",
          labels,
        },
        select: { id: true, name: true, labels: true },
      });
      await appendAuditEntry(tx, ctx.org.id, {
        type: "agent.created",
        actor: actorRef(ctx.actor),
        agentId: created.id,
        subjectId: created.id,
        data: { name: POLICY_AGENT_NAME, labels, system: true },
      });
      return created;
    }, TX_OPTIONS));
  const labels = (agent.labels ?? {}) as Record<string, unknown>;
  if (labels[SYSTEM_LABEL] !== "true") {
    throw conflict(`an agent named '${POLICY_AGENT_NAME}' that Gatehouse did not create exists; rename it so policy publishes can wait for approval`);
  }
  return { id: agent.id, name: agent.name };
}
