import { actionPatternSchema, MAX_PATTERN_STARS } from "@gatehouse/core";
import { z } from "zod";
import { idOf, jsonRecord, named, queryFlag } from "./common";

/** The longest a delegation lives: a day. */
export const DELEGATION_MAX_TTL_SECONDS = 86_400;

export const delegationSchema = named(
  "Delegation",
  z.object({
    id: z.string().describe("dlg_…"),
    name: z.string().describe("The name the delegation was given; its delegate agent is named `<name>.<8 random letters or digits>`."),
    parentAgentId: z.string().describe("The agent that delegated (a root agent, or another delegate)."),
    childAgentId: z.string().describe("The delegate: an agent created for this delegation, acting with the key answered once."),
    rootAgentId: z.string().describe("The root of the chain: policies apply to the delegate as they apply to this agent."),
    capabilities: z.array(z.string()).describe("Action-type patterns the delegate may act on; each is covered by its parent's."),
    depth: z.number().int().describe("1 for a root agent's delegate, 2 for its delegate's, …"),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
  }),
  "A grant from an agent to a short-lived delegate of a subset of its capabilities.",
);

export const createDelegationBodySchema = named(
  "CreateDelegationRequest",
  z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/, "must be 1-60 letters, digits, '.', '_' or '-'"),
    capabilities: z
      .array(actionPatternSchema)
      .min(1)
      .max(100)
      .describe(
        `Action-type patterns (as in policies' \`actions\`, at most ${MAX_PATTERN_STARS} \`*\` each); each must be covered by the caller's own capabilities (a root agent's are \`*\`), else 403 DELEGATION_SCOPE.`,
      ),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(DELEGATION_MAX_TTL_SECONDS)
      .describe("How long the delegate lives: 1 to 86400 seconds, and at most the caller's own remaining time when it is itself a delegate."),
    metadata: jsonRecord({ maxNodes: 200 }).optional().describe("Free JSON kept with the delegation (at most 200 values)."),
  }),
  "A delegate to create.",
);

export const createdDelegationSchema = named(
  "CreatedDelegation",
  z.object({
    delegation: delegationSchema,
    apiKey: z.string().describe("The delegate's key, shown once (only its hash is stored); it expires with the delegation."),
  }),
  "The delegation and its delegate's key.",
);

export const delegationListQuerySchema = z.object({
  role: z.enum(["parent", "child"]).optional().describe("`parent` (default): the delegations this agent granted; `child`: the one it received (a delegate's own)."),
  activeOnly: queryFlag.optional().describe("`true`: only those neither revoked nor expired."),
});

export const delegationListSchema = named("DelegationList", z.object({ delegations: z.array(delegationSchema) }), "Delegations, newest first.");

export const revokedDelegationsSchema = named(
  "RevokedDelegations",
  z.object({ revoked: z.array(z.string()).describe("The ids of every delegation revoked by this call: the one named and each of its descendants still active.") }),
  "What a revoke ended.",
);

export const adminDelegationQuerySchema = z.object({
  agentId: idOf("agent").describe("The agent whose delegation tree to answer (the tree below it, revoked and expired links included)."),
});

export const delegationTreeSchema = named(
  "DelegationTree",
  z.object({
    agentId: z.string(),
    delegations: z.array(delegationSchema.extend({ parentDelegationId: z.string().nullable() })).describe("Every delegation below the agent, by depth then creation."),
  }),
  "An agent's delegation tree.",
);

/** What `whoami` shows of a delegate's chain. */
export const whoamiDelegationSchema = z
  .object({
    id: z.string(),
    chain: z.array(z.object({ agentId: z.string(), name: z.string() })).describe("Root first, this agent last."),
    depth: z.number().int(),
    expiresAt: z.string(),
    capabilities: z.array(z.string()),
  })
  .nullable();

export type Delegation = z.output<typeof delegationSchema>;
export type CreateDelegationBody = z.output<typeof createDelegationBodySchema>;
export type CreatedDelegation = z.output<typeof createdDelegationSchema>;
export type DelegationList = z.output<typeof delegationListSchema>;
export type DelegationTree = z.output<typeof delegationTreeSchema>;
