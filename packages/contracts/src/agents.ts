import {
  DEFAULT_HEARTBEAT_SECONDS,
  HEARTBEAT_SECONDS,
  MISSED_BEATS,
  PRESENCE_STATES,
  ORG_SETTING_KEYS,
  orgSetting,
  type EnforcementSettings,
  type OrgSettingKey,
  type SettingsPatch,
} from "@gatehouse/core";
import { z } from "zod";
import { named, safeString } from "./common";
import { whoamiDelegationSchema } from "./delegations";
import { memberRoleSchema } from "./members";

export const circuitStateSchema = z.enum(["closed", "open", "half_open"]);

export const presenceSchema = named(
  "Presence",
  z.enum(PRESENCE_STATES),
  `Whether the agent is there (docs/agents.md, Presence): live (seen within ${MISSED_BEATS} beats of its interval, ${DEFAULT_HEARTBEAT_SECONDS} s unless its heartbeat says), unresponsive (its heartbeat session is open and it missed them), idle (not seen lately, no session open), or halted.`,
);

export const agentSchema = named(
  "Agent",
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    status: z.enum(["active", "halted"]),
    haltedAt: z.string().nullable(),
    haltedReason: z.string().nullable(),
    haltedBy: z
      .union([z.object({ type: z.literal("member"), memberId: z.string(), email: z.string().nullable() }), z.object({ type: z.literal("system"), name: z.string() })])
      .nullable()
      .describe("Who halted it: a member (their email, null once they left), or the system (`anomaly-detector`, `loop-detector`, `postcondition-checker`)."),
    cbState: circuitStateSchema,
    presence: presenceSchema,
    lastSeenAt: z.string().nullable().describe("Its last call with its key, or heartbeat; null when it never called."),
    createdAt: z.string(),
  }),
  "An agent of the org.",
);

export const agentListSchema = named("AgentList", z.object({ agents: z.array(agentSchema) }), "The org's agents by name.");

export const createAgentBodySchema = named(
  "CreateAgentRequest",
  z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "must be 1-100 letters, digits, '.', '_' or '-'"),
    description: safeString().max(1000).optional(),
    labels: z.record(safeString().max(100), safeString().max(200)).default({}),
  }),
  "A new agent.",
);

export const createdAgentSchema = named(
  "CreatedAgent",
  agentSchema.pick({ id: true, name: true, description: true, labels: true, status: true }).extend({
    apiKey: z.string().describe("Shown once; only its hash is stored."),
    keyId: z.string(),
  }),
  "The new agent and its first key.",
);

export const agentStatusBodySchema = named("AgentStatusRequest", z.strictObject({ reason: safeString().max(500).optional() }), "Why the agent is halted or resumed.");

export const issueAgentKeyBodySchema = named(
  "IssueAgentKeyRequest",
  z.strictObject({ name: safeString().min(1).max(100).default("default"), expiresInDays: z.number().int().min(1).max(3650).optional() }),
  "Another key for an agent (for rotation).",
);

export const issueAdminKeyBodySchema = named(
  "IssueAdminKeyRequest",
  z.strictObject({ name: safeString().min(1).max(100).default("admin"), expiresInDays: z.number().int().min(1).max(3650).optional() }),
  "A personal admin key of the member asking: it acts with their current role.",
);

export const issuedAgentKeySchema = named(
  "IssuedAgentKey",
  z.object({ id: z.string(), agentId: z.string(), apiKey: z.string().describe("Shown once."), prefix: z.string(), expiresAt: z.string().nullable() }),
  "A new agent key.",
);

export const apiKeySchema = named(
  "ApiKey",
  z.object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    lastFour: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  }),
  "An API key, without its secret.",
);

export const apiKeyListSchema = named("ApiKeyList", z.object({ keys: z.array(apiKeySchema) }), "An agent's keys.");

export const adminKeySchema = named(
  "AdminKey",
  apiKeySchema.extend({
    member: z
      .object({ id: z.string().describe("The membership id (mem_…)."), name: z.string(), email: z.string(), role: memberRoleSchema })
      .describe("Whose key it is: it acts with this member's current role."),
    mine: z.boolean().describe("Whether it is a key of the member asking."),
  }),
  "A member's personal admin key, without its secret.",
);

export const adminKeyListSchema = named(
  "AdminKeyList",
  z.object({ keys: z.array(adminKeySchema) }),
  "The caller's own admin keys, and those of members whose role theirs ranks at least as high as (an owner sees every member's), newest first.",
);

export const issuedAdminKeySchema = named(
  "IssuedAdminKey",
  z.object({ id: z.string(), apiKey: z.string().describe("Shown once; only its hash is stored."), prefix: z.string(), expiresAt: z.string().nullable() }),
  "A new personal admin key.",
);

export const revokedKeySchema = named("RevokedKey", z.object({ id: z.string(), revokedAt: z.string() }), "A revoked key.");

type SettingValues = { [K in OrgSettingKey]: z.ZodType<EnforcementSettings[K]> };
type SettingPatches = { [K in OrgSettingKey]: z.ZodOptional<z.ZodType<NonNullable<SettingsPatch[K]>, NonNullable<SettingsPatch[K]>>> };

/** The settings read's answer: each setting of core's registry (ORG_SETTINGS), as its value. */
export const orgSettingsSchema = named(
  "OrgSettings",
  z.object(Object.fromEntries(ORG_SETTING_KEYS.map((key) => [key, orgSetting(key).value])) as SettingValues),
  "The org's settings.",
);

/** A settings change: any setting of core's registry (ORG_SETTINGS), each as its patch; what it leaves out stays. */
export const updateSettingsBodySchema = named(
  "UpdateSettingsRequest",
  z.strictObject(Object.fromEntries(ORG_SETTING_KEYS.map((key) => [key, orgSetting(key).patch.optional()])) as SettingPatches),
  "Settings to change, merged onto the current ones.",
);

export const pendingSettingsChangeSchema = named(
  "SettingsChangePendingApproval",
  z.object({
    status: z.literal("pending_approval"),
    approvalId: z.string().describe("The approval (action `gatehouse.settings.change` of the org's system agent) another owner or admin must approve."),
    weakened: z
      .array(
        z.object({
          path: z.string().describe("The setting, e.g. `policies.reportOnly`."),
          before: z.unknown().optional().describe("The setting's value before the change; absent when it was not set."),
          after: z.unknown().optional().describe("Its value after the change; absent when the change unsets it."),
          weakening: z.string().describe("What the change does to enforcement."),
        }),
      )
      .describe("The settings the change weakens."),
  }),
  "The two-admin rule (`policies.requireSecondApproval`) is in force and the change weakens enforcement: nothing is applied until another owner or admin approves `approvalId`; then the whole change is applied, merged onto the settings as they are then.",
);

export const whoamiSchema = named(
  "WhoAmI",
  z.object({
    org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    agent: z.object({ id: z.string(), name: z.string(), status: z.enum(["active", "halted"]), labels: z.record(z.string(), z.string()), cbState: circuitStateSchema }).optional(),
    policies: z
      .array(z.object({ name: z.string(), version: z.number().int() }))
      .optional()
      .describe("For an agent key: the active policies that apply to it."),
    delegation: whoamiDelegationSchema.optional().describe("For an agent key: the delegation the agent acts under (its chain, root first), or null for a root agent."),
    activeDelegations: z.number().int().optional().describe("For an agent key: how many delegations the agent granted are still active."),
    member: z.object({ id: z.string(), userId: z.string(), email: z.string(), role: z.string() }).optional(),
    key: z.object({ id: z.string(), prefix: z.string(), lastFour: z.string(), kind: z.enum(["agent", "admin"]) }),
  }),
  "Who the presented key acts as.",
);

export type Agent = z.output<typeof agentSchema>;
export type CreatedAgent = z.output<typeof createdAgentSchema>;
export type IssueAdminKeyBody = z.output<typeof issueAdminKeyBodySchema>;
export type AdminKey = z.output<typeof adminKeySchema>;
export type AdminKeyList = z.output<typeof adminKeyListSchema>;
export type IssuedAdminKey = z.output<typeof issuedAdminKeySchema>;
export type IssuedAgentKey = z.output<typeof issuedAgentKeySchema>;
export type ApiKeyView = z.output<typeof apiKeySchema>;
export type ApiKeyList = z.output<typeof apiKeyListSchema>;
export type RevokedKey = z.output<typeof revokedKeySchema>;
export type OrgSettings = z.output<typeof orgSettingsSchema>;
/** A settings change as a client sends it. */
export type UpdateSettingsRequest = z.input<typeof updateSettingsBodySchema>;
export type PendingSettingsChange = z.output<typeof pendingSettingsChangeSchema>;
export type WhoAmI = z.output<typeof whoamiSchema>;

export const heartbeatBodySchema = named(
  "HeartbeatRequest",
  z.strictObject({
    intervalSeconds: z
      .number()
      .int()
      .min(HEARTBEAT_SECONDS.min)
      .max(HEARTBEAT_SECONDS.max)
      .optional()
      .describe(
        `How often this client beats, in seconds (${HEARTBEAT_SECONDS.min}–${HEARTBEAT_SECONDS.max}; default ${DEFAULT_HEARTBEAT_SECONDS}): ${MISSED_BEATS} beats missed while the session is open read as unresponsive.`,
      ),
    state: z.enum(["running", "stopped"]).optional().describe("`running` (default) opens or keeps the session; `stopped` closes it: the client is done, so silence reads as idle."),
  }),
  "The calling agent is there.",
);

export const heartbeatSchema = named(
  "Heartbeat",
  z.object({
    agentId: z.string(),
    presence: presenceSchema,
    lastSeenAt: z.string(),
    session: z.enum(["open", "closed"]),
    nextHeartbeatSeconds: z.number().int().describe("When the next beat is due."),
    liveUntil: z.string().describe("When the agent stops reading as live without another call or beat."),
  }),
  "The agent's presence after the beat.",
);
export type Heartbeat = z.output<typeof heartbeatSchema>;
