import type { OrgSettings } from "@gatehouse/contracts";
import { breakerSettings, signInSettings } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";

export type { OrgSettings };

/** The org's settings, with defaults for what is not set. */
export async function getOrgSettings({ ctx }: { ctx: Ctx }): Promise<OrgSettings> {
  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
  return { circuitBreaker: breakerSettings(org.settings), signIn: signInSettings(org.settings) };
}
