import {
  anomalySettingsSchema,
  loopSettingsSchema,
  orgModelPriceSchema,
  spendSettingsSchema,
  postConditionSettingsSchema,
  orgBudgetSchema,
  orgBudgetListSchema,
  CONTENT_ACTIONS,
  contentSettingsSchema,
  policySettingsSchema,
  approvalTimeoutSecondsSchema,
  breakerSettingsSchema,
  delegationSettingsSchema,
  signInSettingsPatchSchema,
  SSO_DEFAULT_ROLES,
  DEFAULT_HEARTBEAT_SECONDS,
  HEARTBEAT_SECONDS,
  MISSED_BEATS,
  PRESENCE_STATES,
  grantSettingsSchema,
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

export const orgSettingsSchema = named(
  "OrgSettings",
  z.object({
    circuitBreaker: z.object({ failureThreshold: z.number().int(), windowSeconds: z.number().int(), cooldownSeconds: z.number().int() }),
    approvalTimeoutSeconds: z.number().int().describe("How long an approval waits when its policy sets no timeoutSeconds (60 s to 7 days; 3600 unless changed)."),
    signIn: z
      .object({ ssoDomains: z.array(z.string()), ssoDefaultRole: z.enum(SSO_DEFAULT_ROLES), ssoRequired: z.boolean() })
      .describe("Single sign-on: email domains routed to this org, the role they join with, and whether console sessions must have signed in with SSO."),
    delegation: z
      .object({ maxDepth: z.number().int(), maxActiveChildren: z.number().int() })
      .describe("Delegation limits: the deepest chain (5 unless changed) and the active delegates one agent may hold (100 unless changed)."),
    anomaly: z
      .object({ haltAgent: z.boolean() })
      .describe("Anomaly detection (docs/posture.md, Anomalies): whether an agent is also halted when an anomaly is detected in its traffic (false unless changed)."),
    loops: z
      .object({ enabled: z.boolean(), maxRepeats: z.number().int(), windowSeconds: z.number().int(), haltAgent: z.boolean() })
      .describe(
        "Loop detection (docs/loops.md): the same call (action and arguments), or an alternation of two, more than `maxRepeats` times within `windowSeconds` is refused with LOOP_DETECTED; `haltAgent` halts the agent too. On, 20 within 60 s, no halt, unless changed; a policy's `loop` overrides it for the calls it matches.",
      ),
    policies: z
      .object({ reportOnly: z.boolean(), requireSecondApproval: z.boolean() })
      .describe(
        "Policy rollout: `reportOnly` executes what policies would refuse or hold, recording what they would have done (a trial); `requireSecondApproval` makes publishing a policy set wait for a second admin's approval. Both false unless changed.",
      ),
    content: z
      .object({ secrets: z.enum(CONTENT_ACTIONS), personalData: z.enum(CONTENT_ACTIONS) })
      .describe(
        "What happens to secrets and personal data found in calls, unless a policy's `content` says otherwise for its actions (docs/content.md): `deny`, `redact`, `flag` or `off`. `secrets` is `redact` and `personalData` `flag` unless changed.",
      ),
    budgets: z.array(orgBudgetSchema).describe("Org-wide budgets (docs/budgets.md): each counts the calls its actions and agents match, beside the policies' budgets."),
    postConditions: z
      .object({ haltAgent: z.boolean() })
      .describe("Post-conditions (docs/policies.md): whether an agent whose outcome breaks a policy's post-condition is also halted (false unless changed)."),
    grants: z
      .object({ enabled: z.boolean(), maxDurationSeconds: z.number().int(), maxUses: z.number().int() })
      .describe(
        "Standing grants (docs/approvals.md): whether approvers may let an agent's matching calls through for a while instead of approving one (true unless changed), and the longest (3600 s) and most uses (100) a grant may have.",
      ),
    spend: z
      .object({ priceOverrides: z.array(orgModelPriceSchema), reservationSeconds: z.number().int() })
      .describe(
        "Model spend (docs/budgets.md): the org's own prices (USD per million tokens; `*` prices every model nobody else does) and how long a reservation waits for its outcome (3600 s unless changed).",
      ),
  }),
  "The org's settings.",
);

type PatchShape<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer Inner> ? Inner : S[K]> };

/**
 * A settings group as a patch: every field optional and none defaulted, so a field left out stays as it
 * is (`.partial()` would fill it with its default: `{ policies: { reportOnly: true } }` would also turn
 * `requireSecondApproval` off).
 */
function patchOf<S extends z.ZodRawShape>(schema: z.ZodObject<S>): z.ZodObject<PatchShape<S>, z.core.$strict> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => {
      const optional = z.optional(field instanceof z.ZodDefault ? field.unwrap() : field);
      const { description } = field as z.ZodType;
      return [key, description ? optional.describe(description) : optional];
    }),
  );
  return z.strictObject(shape) as unknown as z.ZodObject<PatchShape<S>, z.core.$strict>;
}

export const updateSettingsBodySchema = named(
  "UpdateSettingsRequest",
  z.strictObject({
    circuitBreaker: patchOf(breakerSettingsSchema).optional(),
    approvalTimeoutSeconds: approvalTimeoutSecondsSchema.optional().describe("The org's default approval timeout: 60 to 604800 seconds."),
    signIn: signInSettingsPatchSchema.optional(),
    delegation: patchOf(delegationSettingsSchema).optional().describe("`maxDepth` 1 to 10, `maxActiveChildren` 1 to 1000."),
    anomaly: patchOf(anomalySettingsSchema).optional().describe("`haltAgent`: halt an agent when an anomaly is detected in its traffic."),
    loops: patchOf(loopSettingsSchema)
      .optional()
      .describe(
        "`enabled`, `maxRepeats` (1 to 100,000), `windowSeconds` (1 to 3,600), `haltAgent`. Turning it off, raising the repeats, shortening the window or turning the halt off weakens enforcement.",
      ),
    policies: patchOf(policySettingsSchema)
      .optional()
      .describe("`reportOnly` (a trial: nothing policies decide is refused, all is recorded), `requireSecondApproval` (publishing waits for a second admin)."),
    budgets: orgBudgetListSchema.optional(),
    postConditions: patchOf(postConditionSettingsSchema)
      .optional()
      .describe("`haltAgent`: halt an agent whose outcome breaks a post-condition. Turning it off weakens enforcement."),
    spend: patchOf(spendSettingsSchema)
      .optional()
      .describe(
        "`priceOverrides` (the whole list, replaced: at most 200, one per model), `reservationSeconds` (60 to 604800). Adding, removing or lowering a price weakens enforcement.",
      ),
    grants: patchOf(grantSettingsSchema)
      .optional()
      .describe("`enabled`, `maxDurationSeconds` (60 to 604800), `maxUses` (1 to 10,000). Turning grants on, or raising either bound, weakens enforcement."),
    content: patchOf(contentSettingsSchema)
      .optional()
      .describe("`secrets`, `personalData`: `deny`, `redact`, `flag` or `off` (docs/content.md). Loosening either is a weakening change under the two-admin rule."),
  }),
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
          before: z.unknown(),
          after: z.unknown(),
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
