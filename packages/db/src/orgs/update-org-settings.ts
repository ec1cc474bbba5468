import { validationError, zodIssues } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS } from "../client";
import type { Ctx } from "../context";
import { publishAfterCommit } from "../signals";
import { forgetOrgSettings } from "../snapshots";
import { appendAuditEntry } from "./append-audit-entries";
import { breakerSettings, breakerSettingsSchema, type BreakerSettings } from "./circuit-breaker";
import { actorRef, MANAGE_ROLES, requireRole } from "./permissions";

const inputSchema = z.strictObject({ circuitBreaker: breakerSettingsSchema.partial().optional() });

export interface OrgSettings {
  circuitBreaker: BreakerSettings;
}

export async function getOrgSettings({ ctx }: { ctx: Ctx }): Promise<OrgSettings> {
  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
  return { circuitBreaker: breakerSettings(org.settings) };
}

/** Changes org settings (merged onto the current ones); audited with before and after. */
export async function updateOrgSettings({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<OrgSettings> {
  requireRole(ctx, MANAGE_ROLES, "changing settings");
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const after = await db().$transaction(async (tx) => {
    const org = await tx.org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
    const before = { circuitBreaker: breakerSettings(org.settings) };
    const after = { circuitBreaker: breakerSettingsSchema.parse({ ...before.circuitBreaker, ...parsed.data.circuitBreaker }) };
    await tx.org.update({ where: { id: ctx.org.id }, data: { settings: { ...(org.settings as object), ...after } } });
    await appendAuditEntry(tx, ctx.org.id, { type: "org.settings_changed", actor: actorRef(ctx.actor), subjectId: ctx.org.id, data: { before, after } });
    return after;
  }, TX_OPTIONS);
  forgetOrgSettings(ctx.org.id);
  await publishAfterCommit({ type: "settings.changed", orgId: ctx.org.id });
  return after;
}
