import type { OrgSettings } from "@gatehouse/contracts";
import {
  anomalySettings,
  postConditionSettings,
  orgBudgets,
  spendSettings,
  loopSettings,
  approvalTimeoutSetting,
  contentSettings,
  policySettings,
  breakerSettings,
  delegationSettings,
  signInSettings,
  grantSettings,
} from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";

export type { OrgSettings };

/** The org's settings, with defaults for what is not set. */
export async function getOrgSettings({ ctx }: { ctx: Ctx }): Promise<OrgSettings> {
  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
  return settingsOf(org.settings);
}

/** The settings object as stored, read with defaults (an invalid value reads as its default). */
export function settingsOf(stored: unknown): OrgSettings {
  return {
    circuitBreaker: breakerSettings(stored),
    approvalTimeoutSeconds: approvalTimeoutSetting(stored),
    signIn: signInSettings(stored),
    delegation: delegationSettings(stored),
    anomaly: anomalySettings(stored),
    loops: loopSettings(stored),
    policies: policySettings(stored),
    content: contentSettings(stored),
    spend: spendSettings(stored),
    postConditions: postConditionSettings(stored),
    budgets: orgBudgets(stored),
    grants: grantSettings(stored),
  };
}
