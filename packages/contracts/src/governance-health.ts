import { z } from "zod";
import { named } from "./common";

/** How one check of the governance health stands; the answer's status is the worst of its items'. */
export const HEALTH_STATUSES = ["ok", "warn", "fail"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

const status = z.enum(HEALTH_STATUSES).describe("`ok`, `warn` (look soon) or `fail` (look now; also a probe that could not run).");
const reason = z.string().describe("Why, in one sentence a person on call can act on.");
const observedAt = z
  .string()
  .nullable()
  .describe("When what this item reports last happened (the checkpoint signed, the key created, the oldest pending entry written), ISO 8601; null when never.");

/** One item: its status and reason, when it was observed, and its figures (null when its probe failed). */
function item<D extends z.ZodType>(name: string, details: D, description: string) {
  return named(name, z.object({ status, reason, observedAt, details: details.nullable().describe("The item's figures; null when its probe failed.") }), description);
}

export const governanceHealthSchema = named(
  "GovernanceHealth",
  z.object({
    status: z.enum(HEALTH_STATUSES).describe("The worst status of the items."),
    checkedAt: z.string().describe("When this answer was computed, ISO 8601."),
    items: z.object({
      logIntegrity: item(
        "GovernanceHealthLogIntegrity",
        z.object({
          headSize: z.number().int().describe("Entries in the org's log now."),
          verifiedUpTo: z.number().int().nullable().describe("The tree size of the latest signed checkpoint, whose signature checked now with the org's key; null without one."),
          signatureValid: z
            .boolean()
            .nullable()
            .describe("Whether the latest checkpoint's signature checks with its key and its body names this log, size and root; null without one."),
          rootMatchesHead: z.boolean().nullable().describe("When the checkpoint covers the whole log: whether its root is the head's Merkle root; null when the log grew since."),
          lastFullVerification: z
            .object({ at: z.string(), valid: z.boolean() })
            .nullable()
            .describe("The latest recomputation of the whole log (`POST /v1/audit/verify`, the console's Verify): when, and its result; null if never."),
        }),
        "The log's integrity as last checked: the latest checkpoint's signature and size against the log head (checked on each call, cheaply), and the latest full verification.",
      ),
      signingKey: item(
        "GovernanceHealthSigningKey",
        z.object({
          keyId: z.string().nullable().describe("The org's active signing key (its id, never its material); null when it has none yet."),
          usable: z.boolean().describe("Whether the key decrypts with this server's master key and signs a note its public key verifies."),
        }),
        "Whether the org's current signing key can be used to sign checkpoints.",
      ),
      checkpointAge: item(
        "GovernanceHealthCheckpointAge",
        z.object({
          ageSeconds: z.number().int().nullable().describe("Seconds since the latest checkpoint was signed; null without one."),
          treeSize: z.number().int().nullable().describe("The latest checkpoint's tree size."),
          uncoveredEntries: z.number().int().describe("Entries of the log no checkpoint covers yet."),
        }),
        "How long ago the log was last signed, and whether entries wait for a checkpoint.",
      ),
      decisionLatency: item(
        "GovernanceHealthDecisionLatency",
        z.object({
          windowSeconds: z.number().int().describe("The window the percentiles cover."),
          samples: z.number().int().describe("How many `execute` answers the window holds."),
          p50Ms: z
            .number()
            .nullable()
            .describe(
              "The median time to answer `execute`, as the upper bound of its histogram bucket (1, 2, 5, 10, 20, 50 … 10,000, 60,000 ms); null with no decision in the window.",
            ),
          p99Ms: z.number().nullable().describe("The 99th percentile time to answer `execute`, as the upper bound of its histogram bucket; null with no decision in the window."),
        }),
        "How long `execute` takes to answer, from every API process, over the window.",
      ),
      evaluationFailures: item(
        "GovernanceHealthEvaluationFailures",
        z.object({
          windowSeconds: z.number().int().describe("The window counted."),
          count: z
            .number()
            .int()
            .describe("Decisions in the window that could not be evaluated, decided by the org's failure policy instead (their answer's `failure` names the step)."),
          decisions: z.number().int().describe("All decisions the window counted."),
        }),
        "Decisions that could not be evaluated (an internal error at a step), which the org's `policies.failurePolicy` decided instead: counted from the decision rollups the worker keeps (a few seconds behind).",
      ),
      workerJobs: item(
        "GovernanceHealthWorkerJobs",
        z.object({
          jobs: z
            .array(
              z.object({
                name: z.string().describe("The job (or the worker's lease, `jobs`)."),
                lastRunAt: z.string().nullable().describe("When it last ran, as recorded; null if never."),
                lastOutcome: z.string().describe("What that run left: `leading`, `lapsed`, `ran`, `delivered`, `failed`."),
              }),
            )
            .describe("At most 20."),
        }),
        "The worker: whether a worker holds the jobs' lease, and the last run each job left a record of for this org.",
      ),
      webhookBacklog: item(
        "GovernanceHealthWebhookBacklog",
        z.object({
          endpoints: z.number().int().describe("The org's enabled webhook endpoints (at most 100 are counted)."),
          pending: z.number().int().describe("Log entries the endpoints have not handled yet, summed over endpoints."),
          oldestPendingAgeSeconds: z.number().int().nullable().describe("Seconds since the oldest entry an endpoint has not handled was written; null when none waits."),
          failingEndpoints: z.number().int().describe("Endpoints whose current message has failed at least once."),
        }),
        "The org's webhook deliveries waiting.",
      ),
      witnesses: item(
        "GovernanceHealthWitnesses",
        z.object({
          configured: z.boolean().describe("Whether the org has a witness policy (settings.witnesses)."),
          quorum: z.string().nullable().describe("The policy's quorum in words."),
          latestTreeSize: z.number().int().nullable().describe("The latest checkpoint's tree size."),
          cosignedBy: z.array(z.string()).describe("The policy's witnesses that cosigned the latest checkpoint."),
          witnessedTreeSize: z.number().int().nullable().describe("The largest checkpoint whose cosignatures meet the quorum."),
          refusing: z
            .array(z.object({ name: z.string(), lastStatus: z.number().int().nullable(), lastError: z.string().nullable() }))
            .describe("Witnesses whose last answer gave no cosignature (at most 64)."),
        }),
        "Whether the org's witnesses cosign its checkpoints: a witness refusing one (422) says the log it sees does not extend what it cosigned.",
      ),
    }),
  }),
  "What an on-call person checks first: each item with a status and a reason, and the worst of them (docs/audit.md, Governance health).",
);
export type GovernanceHealth = z.infer<typeof governanceHealthSchema>;
export type GovernanceHealthItemName = keyof GovernanceHealth["items"];
