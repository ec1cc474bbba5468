import { z } from "zod";

/** An org's delegation limits: how deep a chain may grow, and how many active delegates one agent may hold. */
export const delegationSettingsSchema = z.strictObject({
  maxDepth: z.number().int().min(1).max(10).default(5),
  maxActiveChildren: z.number().int().min(1).max(1000).default(100),
});
export type DelegationSettings = z.output<typeof delegationSettingsSchema>;

/** The delegation settings of an org's settings object; missing or invalid settings give the defaults. */
export function delegationSettings(orgSettings: unknown): DelegationSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { delegation?: unknown }).delegation : undefined;
  const parsed = delegationSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : delegationSettingsSchema.parse({});
}
