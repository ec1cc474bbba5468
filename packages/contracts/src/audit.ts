import { actionRequestSchema, AUDIT_ENTRY_TYPE_NAMES, AUDIT_ENTRY_TYPES, contentFindingSchema, jsonRecord, type AuditEntryType } from "@gatehouse/core";
import { z } from "zod";
import { idOf, isoTime, named, queryText } from "./common";

const iso = isoTime();
const treeSize = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * What an audit entry's `type` and `data` can be: one member per entry type, discriminated by `type`
 * (packages/core's union of entry types). The listing's serializer keeps `data` open (an AuditEvent
 * carries whatever was sealed); clients narrow on `type` with this. Types may be added.
 */
const auditEntryMember = (type: AuditEntryType) => z.object({ type: z.literal(type), data: AUDIT_ENTRY_TYPES[type].data as z.ZodType }).describe(AUDIT_ENTRY_TYPES[type].summary);

export const auditEntrySchema = named(
  "AuditEntry",
  z.discriminatedUnion("type", AUDIT_ENTRY_TYPE_NAMES.map(auditEntryMember) as [ReturnType<typeof auditEntryMember>, ...Array<ReturnType<typeof auditEntryMember>>]),
  "The `type` and `data` of an audit entry: one member per entry type, discriminated by `type`. Entry types may be added.",
);

export const auditEventSchema = named(
  "AuditEvent",
  z.object({
    id: z.string(),
    seq: z.number().int(),
    type: z.string(),
    actorType: z.string(),
    actorId: z.string(),
    agentId: z.string().nullable(),
    subjectId: z.string().nullable(),
    createdAt: z.string(),
    leafHash: z.string(),
    chainHash: z.string(),
    canonical: z.string().describe("The exact RFC 8785 text that was hashed into leafHash."),
    data: z
      .record(z.string(), z.unknown())
      .describe(
        "The entry's data: what its type records (AuditEntry has one member per type). For an entry of the second format (`\"v\":2`), the committed fields (metadata, data accessed, conditions' values, an outcome's message, a vote's reason) are back in it; an erased one reads as empty.",
      ),
    erased: z
      .record(z.string(), z.number().int())
      .optional()
      .describe("The fields an owner erased, each with the seq of its erasure entry (`audit.erased`: who, when, why). docs/adr/0023-erasure.md."),
  }),
  "One entry of the org's audit log.",
);

export const auditListQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, "must be a cursor returned by a previous page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  type: queryText(100).optional(),
  actionType: queryText(100).optional().describe("Entries about one action type (decisions, outcomes, approvals), matched exactly: `%` and `_` are ordinary characters."),
  agentId: idOf("agent").optional(),
  from: iso.optional().describe("Entries at or after this time."),
  to: iso.optional().describe("Entries before this time."),
});

export const auditListSchema = named(
  "AuditEventList",
  z.object({ events: z.array(auditEventSchema), nextCursor: z.string().nullable() }),
  "A page of audit entries, newest first.",
);

export const checkpointSchema = named(
  "Checkpoint",
  z.object({
    treeSize: z.number().int(),
    rootHash: z.string(),
    note: z.string().describe("The signed note, verbatim: a C2SP tlog-checkpoint body and signed-note signature lines."),
    keyId: z.string(),
    createdAt: z.string(),
  }),
  "A signed checkpoint of the org's log.",
);

export const textFormatQuerySchema = z.object({ format: z.enum(["json", "text"]).optional().describe("`text`: the raw note or key lines, ready to save to a file.") });

export const checkpointListQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,16}$/, "must be a cursor returned by a previous page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const witnessStatusSchema = named(
  "WitnessStatus",
  z.object({
    policy: z.string().describe("The org's witness policy (C2SP tlog-policy), as set in settings.witnesses.policy; empty: no witnesses."),
    quorum: z.string().nullable().describe("The policy's quorum in words; null without a policy."),
    latestCheckpoint: z
      .object({
        treeSize: z.number().int(),
        createdAt: z.string().describe("When the log signed it."),
        cosignedBy: z.array(z.string()).describe("The policy's witnesses (by name) that cosigned it."),
        quorumMet: z.boolean(),
      })
      .nullable(),
    witnessedTreeSize: z.number().int().nullable().describe("The largest checkpoint (of the latest 100 with cosignatures) whose cosignatures meet the quorum."),
    witnesses: z.array(
      z.object({
        name: z.string(),
        vkey: z.string(),
        url: z.string().nullable(),
        cosignedSize: z.number().int().describe("The size of the latest checkpoint it cosigned for this log (the next request's old size)."),
        lastAttemptAt: z.string().nullable(),
        lastCosignedAt: z.string().nullable(),
        lastStatus: z.number().int().nullable(),
        lastError: z.string().nullable().describe("Why its last request gave no cosignature (a 422 is the witness refusing a fork), or null."),
      }),
    ),
  }),
  "Where the org's witnesses stand: the policy, the latest checkpoint's cosignatures and each witness's last answer.",
);

export const checkpointListSchema = named(
  "CheckpointList",
  z.object({ checkpoints: z.array(checkpointSchema), nextCursor: z.string().nullable() }),
  "Signed checkpoints, largest tree first.",
);

export const signingKeySchema = named(
  "SigningKey",
  z.object({
    id: z.string(),
    vkey: z.string().describe("C2SP signed-note verifier key: `<name>+<key hash>+<base64(0x01 ‖ public key)>`."),
    status: z.enum(["active", "retired"]),
    createdAt: z.string(),
    retiredAt: z.string().nullable(),
  }),
  "One of the org's checkpoint signing keys (public part).",
);

export const signingKeyListSchema = named("SigningKeyList", z.object({ keys: z.array(signingKeySchema) }), "The org's checkpoint keys, oldest first.");

export const keyRotationSchema = named(
  "KeyRotation",
  z.object({ keys: z.array(signingKeySchema), checkpoint: checkpointSchema }),
  "The keys after a rotation, and the first checkpoint signed with the new key.",
);

export const proofQuerySchema = z
  .object({
    seq: treeSize.optional(),
    entryId: z
      .string()
      .regex(/^aud_[0-9a-zA-Z]{22}$/, "must be an audit entry id (aud_…)")
      .optional(),
    treeSize: treeSize.min(1).optional(),
    from: treeSize.optional(),
    to: treeSize.min(1).optional(),
    format: z
      .enum(["json", "tlog-proof"])
      .optional()
      .describe(
        "`tlog-proof`: one entry's proof as a C2SP tlog-proof file (text/plain): the entry's canonical JSON (the extra line), its inclusion proof and the checkpoint with the witnesses' cosignatures, verifiable offline with gatehouse verify. With witnesses configured, the checkpoint is the largest one their quorum cosigned that covers the entry (409 when none does yet).",
      ),
  })
  .refine((i) => [i.seq !== undefined || i.entryId !== undefined, i.from !== undefined].filter(Boolean).length === 1, {
    message: "ask for an inclusion proof (seq or entryId, optional treeSize) or a consistency proof (from, optional to)",
    path: ["seq"],
  });

export const auditProofSchema = named(
  "AuditProof",
  z.discriminatedUnion("type", [
    z.object({
      type: z.literal("inclusion"),
      seq: z.number().int(),
      entryId: z.string(),
      leafHash: z.string(),
      treeSize: z.number().int(),
      rootHash: z.string(),
      proof: z.array(z.string()),
      checkpoint: checkpointSchema.nullable(),
    }),
    z.object({
      type: z.literal("consistency"),
      from: z.number().int(),
      to: z.number().int(),
      fromRootHash: z.string(),
      toRootHash: z.string(),
      proof: z.array(z.string()),
      checkpoint: checkpointSchema.nullable(),
    }),
  ]),
  "An RFC 6962 inclusion or consistency proof (hex hashes).",
);

export const auditVerificationSchema = named(
  "AuditVerification",
  z.object({
    valid: z.boolean(),
    checkedEntries: z.number().int(),
    checkedCheckpoints: z.number().int(),
    firstBrokenSeq: z.number().int().nullable(),
    treeSize: z.number().int(),
    rootHash: z.string(),
    problem: z.string().nullable(),
    unsignedEntries: z
      .number()
      .int()
      .describe("Entries after the last signed checkpoint (appended while the check ran): checked against the log head, but no signature covers them yet."),
    startSize: z
      .number()
      .int()
      .describe(
        "Where the log starts: 0, or the first seq kept once its oldest months were dropped under the org's retention (docs/audit.md, Dropping old months); the check began there, from the tree's frontier and the chain hash recorded at the drop.",
      ),
  }),
  "The server's recomputation of the log from its stored rows.",
);

export const exportQuerySchema = z.strictObject({
  format: z.enum(["jsonl", "csv"]).default("jsonl"),
  from: iso.optional(),
  to: iso.optional(),
  agentId: idOf("agent").optional(),
  type: queryText(100).optional(),
  sinceSize: treeSize.optional().describe("Add a consistency proof from this earlier tree size."),
});

export type AuditEvent = z.output<typeof auditEventSchema>;
export type AuditEventList = z.output<typeof auditListSchema>;
export type Checkpoint = z.output<typeof checkpointSchema>;
export type WitnessStatus = z.output<typeof witnessStatusSchema>;
export type CheckpointList = z.output<typeof checkpointListSchema>;
export type SigningKey = z.output<typeof signingKeySchema>;
export type SigningKeyList = z.output<typeof signingKeyListSchema>;
export type KeyRotation = z.output<typeof keyRotationSchema>;
export type AuditProof = z.output<typeof auditProofSchema>;
export type AuditVerification = z.output<typeof auditVerificationSchema>;
export type ExportQuery = z.input<typeof exportQuerySchema>;

/** The shortest subject an erasure takes, spaces around it not counted: shorter text is found in too much to name one person's data. */
export const ERASURE_SUBJECT_MIN = 6;
export const ERASURE_SUBJECT_MAX = 200;
/** The most entries one erasure reaches: the entry ids it names, or the entries its subject is found in (more → 400 naming `subject`, with how many). */
export const ERASURE_MAX_ENTRIES = 1000;

export const auditErasureBodySchema = named(
  "AuditErasureRequest",
  z
    .strictObject({
      entryIds: z
        .array(z.string().regex(/^aud_[A-Za-z0-9]{1,64}$/, "must be an audit entry id (aud_…)"))
        .min(1)
        .max(ERASURE_MAX_ENTRIES, `at most ${ERASURE_MAX_ENTRIES.toLocaleString("en")} entries in one erasure`)
        .optional()
        .describe(
          `The entries whose committed fields to erase (every one of them: metadata, data accessed, the conditions' values, an outcome's message); at most ${ERASURE_MAX_ENTRIES.toLocaleString("en")}.`,
        ),
      subject: z
        .string()
        .max(ERASURE_SUBJECT_MAX)
        .refine((text) => text.trim().length >= ERASURE_SUBJECT_MIN, `must be at least ${ERASURE_SUBJECT_MIN} characters, spaces around it not counted`)
        .optional()
        .describe(
          `Erase every committed field whose value contains this text (an email address, a customer id), in every entry of the org: at least ${ERASURE_SUBJECT_MIN} characters, found in at most ${ERASURE_MAX_ENTRIES.toLocaleString("en")} entries.`,
        ),
      reason: z.string().trim().min(1, "is required").max(1000).describe("Why: sealed into the erasure entry as written, so name no personal data here."),
    })
    .refine((body) => (body.entryIds === undefined) !== (body.subject === undefined), { message: "give either entryIds or subject", path: ["entryIds"] }),
  "What to erase (entries, or a subject) and why.",
);

export const auditErasureSchema = named(
  "AuditErasure",
  z.object({
    status: z.literal("erased"),
    erasureEntryId: z.string().nullable().describe("The `audit.erased` entry that records the erasure; null when there was nothing left to erase."),
    erasureSeq: z.number().int().nullable(),
    entries: z.number().int().describe("Entries with a field erased."),
    fields: z.number().int().describe("Fields erased."),
  }),
  "The erasure: its entry, and how much it erased. Every tree hash, checkpoint and proof stays valid; the export carries each erased field as `erased: { seq }`.",
);

export const pendingAuditErasureSchema = named(
  "AuditErasurePendingApproval",
  z.object({
    status: z.literal("pending_approval"),
    approvalId: z.string().describe("The approval (action `gatehouse.audit.erase` of the org's system agent) another owner or admin must approve."),
    entries: z.number().int().describe("Entries the erasure will reach."),
    fields: z.number().int().describe("Fields it will erase (those erased meanwhile are left out when it applies)."),
  }),
  "The two-admin rule (`policies.requireSecondApproval`) is in force: nothing is erased until another owner or admin approves `approvalId`; then exactly the fields counted here are erased.",
);

export type AuditErasureBody = z.output<typeof auditErasureBodySchema>;
export type AuditErasure = z.output<typeof auditErasureSchema>;
export type PendingAuditErasure = z.output<typeof pendingAuditErasureSchema>;
export type AuditErasureOutcome = AuditErasure | PendingAuditErasure;

/** At most this many bytes of RFC 8785 JSON in an evidence entry's `details`. */
export const EVIDENCE_DETAILS_MAX_BYTES = 16_384;

export const evidenceBodySchema = named(
  "EvidenceRequest",
  z.strictObject({
    kind: z
      .string()
      .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+){0,7}$/, "must be lower-case dot-separated words, e.g. command.ran")
      .max(64)
      .describe("What the entry says happened, e.g. `command.ran`, `tool.result`, `file.written`."),
    details: jsonRecord({ maxKeyLength: 200, maxDepth: 16, maxNodes: 2_000 })
      .default({})
      .describe(
        "What the agent ran and with what result, as it says: a JSON object of at most 16 KiB (RFC 8785), nesting at most 16 levels, 2,000 values. Screened by the org's content rules like a decision's metadata, and erasable like it.",
      ),
    auditEventId: z
      .string()
      .regex(/^aud_[0-9a-zA-Z]{22}$/, "must be an auditEventId (aud_…)")
      .optional()
      .describe("The decision this is evidence for (one of this agent's): the entry names it."),
    eventId: actionRequestSchema.shape.eventId.describe("Makes the call safe to retry: the same eventId answers the entry it wrote; with other content, 409."),
  }),
  "An entry the agent adds to the log about its own work.",
);

export const evidenceSchema = named(
  "Evidence",
  z.object({
    auditEventId: z.string().describe("The `agent.evidence` entry written (or, for a retry, the one written the first time)."),
    kind: z.string(),
    recordedAt: z.string(),
    actionAuditEventId: z.string().optional().describe("The decision it is evidence for, when one was named."),
    findings: z.array(contentFindingSchema).optional().describe("Secrets or personal data the content rules found in `details`; redacted values are stored as placeholders."),
  }),
  "The agent's evidence entry.",
);

export type EvidenceBody = z.output<typeof evidenceBodySchema>;
export type Evidence = z.output<typeof evidenceSchema>;
