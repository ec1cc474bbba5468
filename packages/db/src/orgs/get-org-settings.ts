import type { OrgSettings } from "@gatehouse/contracts";
import { readOrgSettings } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";

export type { OrgSettings };

/** The org's settings, with defaults for what is not set. */
export async function getOrgSettings({ ctx }: { ctx: Ctx }): Promise<OrgSettings> {
  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
  return settingsOf(org.settings);
}

/** The settings object as stored, read with defaults (an invalid value reads as its default): core's registry, ORG_SETTINGS. */
export function settingsOf(stored: unknown): OrgSettings {
  return readOrgSettings(stored);
}
