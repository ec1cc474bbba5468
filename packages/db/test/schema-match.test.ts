import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/infra/client";
import { migrate } from "../src/migrate";
import { createTestDatabase, testDatabaseUrl } from "../src/testing";

/**
 * The migrations are hand-written SQL (no schema engine here), so this proves they build exactly
 * what prisma/schema.prisma describes: same tables, columns, types, nullability, list-ness and enum
 * values, and every model round-trips through the generated client with every field set.
 */

interface FieldSpec {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
}
interface ModelSpec {
  name: string;
  table: string;
  fields: FieldSpec[];
}

const SCALARS = new Set(["String", "Int", "BigInt", "Float", "Boolean", "DateTime", "Json"]);

function parseSchema(text: string): { models: ModelSpec[]; enums: Map<string, { db: string; values: string[] }> } {
  const enums = new Map<string, { db: string; values: string[] }>();
  for (const match of text.matchAll(/^enum (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    const [, name = "", body = ""] = match;
    const lines = body
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("//"));
    const db = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? name;
    enums.set(name, { db, values: lines.filter((l) => !l.startsWith("@@")) });
  }
  const models: ModelSpec[] = [];
  for (const match of text.matchAll(/^model (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    const [, name = "", body = ""] = match;
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? name;
    const fields: FieldSpec[] = [];
    for (const raw of body.split("\n")) {
      const line = raw.trim();
      const field = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!field || line.startsWith("@@") || line.startsWith("//")) continue;
      const [, fieldName = "", type = "", list, optional, rest = ""] = field;
      if (!SCALARS.has(type) && !enums.has(type)) continue; // relation field
      fields.push({ name: fieldName, column: /@map\("([^"]+)"\)/.exec(rest)?.[1] ?? fieldName, type, optional: Boolean(optional), list: Boolean(list) });
    }
    models.push({ name, table, fields });
  }
  return { models, enums };
}

const PG_TYPES: Record<string, string> = {
  String: "text",
  Int: "int4",
  BigInt: "int8",
  Float: "float8",
  Boolean: "bool",
  DateTime: "timestamptz",
  Json: "jsonb",
};

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;
let prisma: Db;
let schema: ReturnType<typeof parseSchema>;

beforeAll(async () => {
  database = await createTestDatabase(testDatabaseUrl(), "gatehouse_schema");
  await migrate({ url: database.url });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  prisma = createDb({ url: database.url, poolSize: 2 });
  schema = parseSchema(await readFile(fileURLToPath(new URL("../../../prisma/schema.prisma", import.meta.url)), "utf8"));
});

afterAll(async () => {
  await prisma?.$disconnect();
  await client?.end();
  await database?.drop();
});

describe("the migrated database matches prisma/schema.prisma", () => {
  it("has exactly the schema's tables (plus _prisma_migrations)", async () => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT relname AS table_name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition`,
    );
    const expected = [...schema.models.map((m) => m.table), "_prisma_migrations"].sort();
    expect(rows.map((r) => r.table_name).sort()).toEqual(expected);
  });

  it("has every enum with exactly the schema's values, in order", async () => {
    for (const { db, values } of schema.enums.values()) {
      const { rows } = await client.query<{ enumlabel: string }>(
        `SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder`,
        [db],
      );
      expect(
        rows.map((r) => r.enumlabel),
        db,
      ).toEqual(values);
    }
  });

  it("has every column with the schema's type, nullability and list-ness, and no others", async () => {
    for (const model of schema.models) {
      const { rows } = await client.query<{ column_name: string; udt_name: string; is_nullable: string }>(
        `SELECT column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [model.table],
      );
      const actual = Object.fromEntries(rows.map((r) => [r.column_name, { type: r.udt_name, nullable: r.is_nullable === "YES" }]));
      const expected = Object.fromEntries(
        model.fields.map((f) => {
          const base = PG_TYPES[f.type] ?? schema.enums.get(f.type)?.db ?? "?";
          // Prisma creates scalar lists as nullable array columns.
          return [f.column, { type: f.list ? `_${base}` : base, nullable: f.optional || f.list }];
        }),
      );
      expect(actual, model.table).toEqual(expected);
    }
  });
});

describe("every model round-trips through the generated client", () => {
  it("writes and reads back every field of every model", async () => {
    const t = new Date("2026-01-02T03:04:05.678Z");
    const later = new Date("2026-02-03T04:05:06.789Z");
    const checked: string[] = [];
    async function roundTrip<T extends Record<string, unknown>>(model: string, created: T, read: () => Promise<unknown>) {
      expect(await read(), model).toEqual(created);
      checked.push(model);
    }
    const org = await prisma.org.create({ data: { id: "org_rt", slug: "rt", name: "RT", settings: { a: [1, "b", null] }, policyRevision: 3, createdAt: t } });
    await roundTrip("Org", org, () => prisma.org.findUnique({ where: { id: org.id } }));
    const user = await prisma.user.create({
      data: {
        id: "usr_rt",
        email: "rt@example.test",
        name: "RT",
        passwordHash: "scrypt$x",
        createdAt: t,
        emailVerifiedAt: later,
        sessionVersion: 3,
        ssoIssuer: "https://idp.test",
        ssoSubject: "s",
        passwordUnproved: true,
      },
      omit: { passwordHash: false },
    });
    await roundTrip("User", user, () => prisma.user.findUnique({ where: { id: user.id }, omit: { passwordHash: false } }));
    const membership = await prisma.membership.create({
      data: { id: "mem_rt", orgId: org.id, userId: user.id, role: "auditor", lastActiveAt: later, removedAt: later, createdAt: t, unprovedInvitation: true },
    });
    await roundTrip("Membership", membership, () => prisma.membership.findUnique({ where: { id: membership.id } }));
    const agent = await prisma.agent.create({
      data: {
        id: "agt_rt",
        orgId: org.id,
        name: "a",
        description: "d",
        labels: { team: "x" },
        status: "halted",
        haltedAt: t,
        haltedReason: "r",
        createdByMembershipId: membership.id,
        circuitState: "half_open",
        circuitOpenedAt: later,
        createdAt: t,
      },
    });
    await roundTrip("Agent", agent, () => prisma.agent.findUnique({ where: { id: agent.id } }));
    const key = await prisma.apiKey.create({
      data: {
        id: "key_rt",
        orgId: org.id,
        kind: "admin",
        agentId: agent.id,
        membershipId: membership.id,
        name: "n",
        prefix: "gh_admin_x",
        keyHash: "h",
        lastFour: "abcd",
        createdAt: t,
        lastUsedAt: t,
        expiresAt: later,
        revokedAt: later,
      },
      omit: { keyHash: false },
    });
    await roundTrip("ApiKey", key, () => prisma.apiKey.findUnique({ where: { id: key.id }, omit: { keyHash: false } }));
    const policy = await prisma.policy.create({ data: { id: "pol_rt", orgId: org.id, name: "p", status: "archived", createdAt: t, archivedAt: later } });
    const version = await prisma.policyVersion.create({
      data: { id: "pv_rt", orgId: org.id, policyId: policy.id, version: 3, document: { name: "p", actions: ["*"] }, contentHash: "c", createdBy: "me", createdAt: t },
    });
    await roundTrip("PolicyVersion", version, () => prisma.policyVersion.findUnique({ where: { id: version.id } }));
    const policyWithVersion = await prisma.policy.update({ where: { id: policy.id }, data: { currentVersionId: version.id } });
    await roundTrip("Policy", policyWithVersion, () => prisma.policy.findUnique({ where: { id: policy.id } }));
    const run = await prisma.run.create({
      data: {
        id: "run_rt",
        orgId: org.id,
        rootAgentId: agent.id,
        agentId: agent.id,
        key: "rt-run",
        name: "round trip",
        status: "completed",
        startedAt: t,
        lastActivityAt: later,
        endedAt: later,
        decisions: 4,
        executed: 2,
        denied: 1,
        requested: 1,
        spentTokens: 123_456_789_012n,
        spentMicros: 9_007_199_254_740_993n,
      },
    });
    await roundTrip("Run", run, () => prisma.run.findUnique({ where: { id: run.id } }));
    const action = await prisma.action.create({
      data: {
        id: "act_rt",
        orgId: org.id,
        agentId: agent.id,
        actionType: "pr.merge",
        metadata: { n: 1.5 },
        dataAccessed: [{ type: "pii" }],
        status: "requested",
        denialReason: "X",
        policyName: "p",
        policyVersionId: version.id,
        mode: "monitor",
        result: { status: "requested" },
        idempotencyKey: "evt",
        requestHash: "rh",
        auditEntryId: "aud_rt",
        outcomeStatus: "success",
        outcomeMessage: "ok",
        outcomeAt: later,
        createdAt: t,
        runId: run.id,
        spend: { model: "gpt-4o", tokens: 10, micros: 25 },
      },
    });
    await roundTrip("Action", action, () => prisma.action.findUnique({ where: { id: action.id } }));
    const approval = await prisma.approval.create({
      data: {
        id: "apr_rt",
        orgId: org.id,
        actionId: action.id,
        agentId: agent.id,
        policyVersionId: version.id,
        requestHash: "rh",
        status: "expired",
        quorum: 2,
        approverRoles: ["approver", "owner"],
        approverMemberIds: ["mem_a", "mem_b"],
        excludeAgentOwner: true,
        requestedBy: "mem_c",
        requesterRef: "mem_c",
        system: true,
        expiresAt: later,
        decidedAt: later,
        decisionReason: "why",
        createdAt: t,
        notices: ["requested", "reminder"],
      },
    });
    await roundTrip("Approval", approval, () => prisma.approval.findUnique({ where: { id: approval.id } }));
    const vote = await prisma.approvalVote.create({
      data: { id: "vot_rt", orgId: org.id, approvalId: approval.id, membershipId: membership.id, countsFor: membership.id, decision: "deny", reason: "no", createdAt: t },
    });
    await roundTrip("ApprovalVote", vote, () => prisma.approvalVote.findUnique({ where: { id: vote.id } }));
    const use = await prisma.hookApprovalUse.create({ data: { approvalId: approval.id, orgId: org.id, usedAt: t } });
    await roundTrip("HookApprovalUse", use, () => prisma.hookApprovalUse.findUnique({ where: { approvalId: approval.id } }));
    const counter = await prisma.budgetCounter.create({
      data: {
        key: "bud_rt",
        orgId: org.id,
        name: "daily",
        policy: "daily",
        per: "agent-day",
        period: "2026-11-24",
        subject: "agt_rt",
        model: "gpt-4o",
        spentTokens: 1n,
        spentMicros: 9_007_199_254_740_993n,
        reservedTokens: 3n,
        reservedMicros: 4n,
        alertedRatio: 0.8,
        exceededAlerted: true,
        updatedAt: t,
      },
    });
    await roundTrip("BudgetCounter", counter, () => prisma.budgetCounter.findUnique({ where: { key: "bud_rt" } }));
    const reservation = await prisma.budgetReservation.create({
      data: {
        actionId: "act_rt_reserved",
        orgId: org.id,
        agentId: agent.id,
        keys: ["bud_rt", "bud_rt2"],
        model: "gpt-4o",
        price: { source: "table", input: 2.5 },
        tokens: 400n,
        micros: 1750n,
        status: "settled",
        deadline: later,
        createdAt: t,
        closedAt: later,
      },
    });
    await roundTrip("BudgetReservation", reservation, () => prisma.budgetReservation.findUnique({ where: { actionId: "act_rt_reserved" } }));
    const evidence = await prisma.agentEvidence.create({
      data: { agentId: agent.id, eventId: "evt-rt", orgId: org.id, kind: "tool.ran", requestHash: "rh", auditEntryId: "aud_rt_evidence", createdAt: t },
    });
    await roundTrip("AgentEvidence", evidence, () => prisma.agentEvidence.findUnique({ where: { agentId_eventId: { agentId: agent.id, eventId: "evt-rt" } } }));
    const integration = await prisma.agentIntegration.create({
      data: { orgId: org.id, agentId: agent.id, integration: "ai-sdk", version: "0.1.0", firstSeenAt: t, lastSeenAt: later, lastToolCallAt: later },
    });
    await roundTrip("AgentIntegration", integration, () => prisma.agentIntegration.findUnique({ where: { agentId_integration: { agentId: agent.id, integration: "ai-sdk" } } }));
    const day = new Date("2026-01-02T00:00:00.000Z");
    const counted = await prisma.agentCallCoverage.create({ data: { orgId: org.id, agentId: agent.id, day, kind: "model.declared", count: 7n, lastSeenAt: t } });
    await roundTrip("AgentCallCoverage", counted, () => prisma.agentCallCoverage.findUnique({ where: { agentId_day_kind: { agentId: agent.id, day, kind: "model.declared" } } }));
    const child = await prisma.agent.create({ data: { id: "agt_rt_child", orgId: org.id, name: "rt-child" } });
    const grandchild = await prisma.agent.create({ data: { id: "agt_rt_grandchild", orgId: org.id, name: "rt-grandchild" } });
    const parent = await prisma.delegation.create({
      data: { id: "dlg_root", orgId: org.id, name: "rt-child", parentAgentId: agent.id, childAgentId: child.id, rootAgentId: agent.id, capabilities: ["pr.*"], expiresAt: later },
    });
    const delegation = await prisma.delegation.create({
      data: {
        id: "dlg_rt",
        orgId: org.id,
        name: "rt-grandchild",
        parentAgentId: child.id,
        childAgentId: grandchild.id,
        rootAgentId: agent.id,
        keyId: key.id,
        parentDelegationId: parent.id,
        capabilities: ["pr.open", "pr.merge"],
        metadata: { purpose: "x" },
        expiryRecordedAt: later,
        depth: 2,
        expiresAt: later,
        revokedAt: later,
        createdAt: t,
      },
    });
    await roundTrip("Delegation", delegation, () => prisma.delegation.findUnique({ where: { id: delegation.id } }));
    const entry = await prisma.auditEntry.create({
      data: {
        id: "aud_rt",
        orgId: org.id,
        seq: 9007199254740993n,
        type: "x",
        actorType: "agent",
        actorId: agent.id,
        subjectId: "s",
        agentId: agent.id,
        canonical: "{}",
        leafHash: "l",
        chainHash: "c",
        createdAt: t,
      },
    });
    await roundTrip("AuditEntry", entry, () => prisma.auditEntry.findUnique({ where: { id: entry.id } }));
    const head = await prisma.auditLogHead.create({ data: { orgId: org.id, size: 5n, chainHash: "c", frontier: ["f4", "f1"] } });
    await roundTrip("AuditLogHead", head, () => prisma.auditLogHead.findUnique({ where: { orgId: org.id } }));
    const start = await prisma.auditLogStart.create({ data: { orgId: org.id, size: 3n, chainHash: "c", frontier: ["f2", "f1"], droppedBefore: t, updatedAt: later } });
    await roundTrip("AuditLogStart", start, () => prisma.auditLogStart.findUnique({ where: { orgId: org.id } }));
    const node = await prisma.merkleNode.create({ data: { orgId: org.id, level: 3, index: 4n, hash: "h" } });
    await roundTrip("MerkleNode", node, () => prisma.merkleNode.findUnique({ where: { orgId_level_index: { orgId: org.id, level: 3, index: 4n } } }));
    const signingKey = await prisma.signingKey.create({
      data: { id: "sk_rt", orgId: org.id, name: "n", keyHash: "kh", publicKey: "pk", encryptedPrivateKey: "enc", status: "retired", createdAt: t, retiredAt: later },
      omit: { encryptedPrivateKey: false },
    });
    await roundTrip("SigningKey", signingKey, () => prisma.signingKey.findUnique({ where: { id: signingKey.id }, omit: { encryptedPrivateKey: false } }));
    const checkpoint = await prisma.checkpoint.create({ data: { id: "chk_rt", orgId: org.id, treeSize: 7n, rootHash: "r", note: "n", signingKeyId: signingKey.id, createdAt: t } });
    await roundTrip("Checkpoint", checkpoint, () => prisma.checkpoint.findUnique({ where: { id: checkpoint.id } }));
    const cosignature = await prisma.checkpointCosignature.create({
      data: { orgId: org.id, treeSize: 7n, witnessKey: "w+0+AA", line: "— w AA\n", cosignedAt: t, createdAt: later },
    });
    await roundTrip("CheckpointCosignature", cosignature, () =>
      prisma.checkpointCosignature.findUnique({ where: { orgId_treeSize_witnessKey: { orgId: org.id, treeSize: 7n, witnessKey: "w+0+AA" } } }),
    );
    const witnessState = await prisma.witnessState.create({
      data: { orgId: org.id, witnessKey: "w+0+AA", size: 7n, lastAttemptAt: later, lastCosignedAt: t, lastStatus: 422, lastError: "forked" },
    });
    await roundTrip("WitnessState", witnessState, () => prisma.witnessState.findUnique({ where: { orgId_witnessKey: { orgId: org.id, witnessKey: "w+0+AA" } } }));
    const invitation = await prisma.invitation.create({
      data: {
        id: "inv_rt",
        orgId: org.id,
        email: "invitee@example.test",
        role: "approver",
        tokenHash: "th",
        invitedByMembershipId: membership.id,
        idempotencyKey: "ik",
        expiresAt: later,
        acceptedAt: t,
        acceptedByMembershipId: membership.id,
        revokedAt: later,
        createdAt: t,
      },
      omit: { tokenHash: false },
    });
    await roundTrip("Invitation", invitation, () => prisma.invitation.findUnique({ where: { id: invitation.id }, omit: { tokenHash: false } }));
    const rateEvent = await prisma.rateEvent.create({ data: { orgId: org.id, key: "k", at: t } });
    await roundTrip("RateEvent", rateEvent, () => prisma.rateEvent.findUnique({ where: { id: rateEvent.id } }));
    const accountToken = await prisma.accountToken.create({
      data: { id: "tok_rt", userId: user.id, purpose: "reset_password", tokenHash: "th", expiresAt: later, usedAt: later, createdAt: t, sessionVersion: 3 },
      omit: { tokenHash: false },
    });
    await roundTrip("AccountToken", accountToken, () => prisma.accountToken.findUnique({ where: { id: accountToken.id }, omit: { tokenHash: false } }));
    const consoleSession = await prisma.consoleSession.create({ data: { id: "ses_rt", userId: user.id, sessionVersion: 3, createdAt: t, expiresAt: later, endedAt: later } });
    await roundTrip("ConsoleSession", consoleSession, () => prisma.consoleSession.findUnique({ where: { id: consoleSession.id } }));
    const outboxMessage = await prisma.devOutboxMessage.create({ data: { id: "msg_rt", to: "rt@example.test", subject: "s", text: "t", html: "<p>h</p>", createdAt: t } });
    await roundTrip("DevOutboxMessage", outboxMessage, () => prisma.devOutboxMessage.findUnique({ where: { id: outboxMessage.id } }));
    const ssoDomain = await prisma.orgSsoDomain.create({ data: { domain: "rt.example.test", orgId: org.id, createdAt: t } });
    await roundTrip("OrgSsoDomain", ssoDomain, () => prisma.orgSsoDomain.findUnique({ where: { domain: ssoDomain.domain } }));
    const domainClaim = await prisma.orgDomainClaim.create({ data: { orgId: org.id, domain: "rt.example.test", token: "tk", verifiedAt: later, createdAt: t } });
    await roundTrip("OrgDomainClaim", domainClaim, () => prisma.orgDomainClaim.findUnique({ where: { orgId_domain: { orgId: org.id, domain: "rt.example.test" } } }));
    const rollup = await prisma.decisionRollup.create({
      data: { orgId: org.id, period: "hour", bucket: t, agentId: "agt_rt", actionType: "pr.open", executed: 1, denied: 2, requested: 3, noPolicy: 4, outcomes: 5 },
    });
    await roundTrip("DecisionRollup", rollup, () =>
      prisma.decisionRollup.findUnique({
        where: { orgId_period_bucket_agentId_actionType: { orgId: org.id, period: "hour", bucket: t, agentId: "agt_rt", actionType: "pr.open" } },
      }),
    );
    const policyRollup = await prisma.policyRollup.create({ data: { orgId: org.id, bucket: t, policyName: "merges", decided: 6, wouldBlock: 7 } });
    await roundTrip("PolicyRollup", policyRollup, () => prisma.policyRollup.findUnique({ where: { orgId_bucket_policyName: { orgId: org.id, bucket: t, policyName: "merges" } } }));
    const cursor = await prisma.rollupCursor.create({ data: { orgId: org.id, seq: 9n, updatedAt: t } });
    await roundTrip("RollupCursor", cursor, () => prisma.rollupCursor.findUnique({ where: { orgId: org.id } }));
    const snapshot = await prisma.postureSnapshot.create({ data: { orgId: org.id, day: t, score: 77, components: { policyCoverage: { score: 20 } }, computedAt: later } });
    await roundTrip("PostureSnapshot", snapshot, () => prisma.postureSnapshot.findUnique({ where: { orgId_day: { orgId: org.id, day: t } } }));
    const review = await prisma.auditReview.create({
      data: { id: "rev_rt", orgId: org.id, kind: "verify", actorType: "member", actorId: membership.id, memberRole: "auditor", valid: true, createdAt: t },
    });
    await roundTrip("AuditReview", review, () => prisma.auditReview.findUnique({ where: { id: review.id } }));
    const draft = await prisma.policyDraft.create({ data: { orgId: org.id, source: "policies: []\n", format: "yaml", revision: 3, updatedBy: membership.id, updatedAt: t } });
    await roundTrip("PolicyDraft", draft, () => prisma.policyDraft.findUnique({ where: { orgId: org.id } }));
    const publishRequest = await prisma.policyPublishRequest.create({
      data: { id: "ppr_rt", orgId: org.id, approvalId: null, set: { policies: [] }, requestedBy: membership.id, draftRevision: 4, createdAt: t, appliedAt: later },
    });
    await roundTrip("PolicyPublishRequest", publishRequest, () => prisma.policyPublishRequest.findUnique({ where: { id: publishRequest.id } }));
    const settingsRequest = await prisma.settingsChangeRequest.create({
      data: {
        id: "scr_rt",
        orgId: org.id,
        approvalId: "apr_rt_settings",
        change: { policies: { reportOnly: true } },
        weakened: [{ path: "policies.reportOnly", before: false, after: true, weakening: "turned on" }],
        requestedBy: membership.id,
        createdAt: t,
        appliedAt: later,
      },
    });
    await roundTrip("SettingsChangeRequest", settingsRequest, () => prisma.settingsChangeRequest.findUnique({ where: { id: settingsRequest.id } }));
    const erasureRequest = await prisma.auditErasureRequest.create({
      data: {
        id: "aer_rt",
        orgId: org.id,
        approvalId: "apr_rt_erasure",
        entries: [{ seq: 7, fields: ["metadata"] }],
        reason: "erasure request #88",
        subjectTag: "0123456789abcdef0123456789abcdef",
        requestedBy: membership.id,
        createdAt: t,
        appliedAt: later,
      },
    });
    await roundTrip("AuditErasureRequest", erasureRequest, () => prisma.auditErasureRequest.findUnique({ where: { id: erasureRequest.id } }));
    const testSet = await prisma.policyTestSet.create({
      data: { orgId: org.id, tests: [{ name: "t", request: { actionType: "pr.open" }, expect: { effect: "allow" } }], updatedAt: t },
    });
    await roundTrip("PolicyTestSet", testSet, () => prisma.policyTestSet.findUnique({ where: { orgId: org.id } }));
    const endpoint = await prisma.webhookEndpoint.create({
      data: {
        id: "whe_rt",
        orgId: org.id,
        url: "https://hooks.example.test/in",
        description: "d",
        events: ["action.denied", "approval.requested"],
        secretEnc: "v1:iv:sealed",
        previousSecretEnc: "v1:iv:old",
        previousSecretUntil: later,
        enabled: false,
        disabledReason: "the receiver answered 410 Gone",
        nextSeq: 12n,
        failedAttempts: 3,
        nextAttemptAt: later,
        leaseUntil: later,
        createdBy: membership.id,
        createdAt: t,
        updatedAt: later,
      },
      omit: { secretEnc: false, previousSecretEnc: false },
    });
    await roundTrip("WebhookEndpoint", endpoint, () => prisma.webhookEndpoint.findUnique({ where: { id: endpoint.id }, omit: { secretEnc: false, previousSecretEnc: false } }));
    const delivery = await prisma.webhookDelivery.create({
      data: {
        id: "whd_rt",
        orgId: org.id,
        endpointId: endpoint.id,
        messageId: "aud_rt",
        seq: 4n,
        eventType: "action.denied",
        kind: "event",
        attempt: 2,
        status: "failed",
        responseStatus: 503,
        error: "answered 503",
        durationMs: 17,
        createdAt: t,
      },
    });
    await roundTrip("WebhookDelivery", delivery, () => prisma.webhookDelivery.findUnique({ where: { id: delivery.id } }));
    const link = await prisma.approvalLink.create({
      data: { id: "apl_rt", orgId: org.id, approvalId: approval.id, membershipId: membership.id, tokenHash: "lh", createdAt: t, usedAt: later },
    });
    await roundTrip("ApprovalLink", link, () => prisma.approvalLink.findUnique({ where: { id: link.id } }));
    const notice = await prisma.approvalNotice.create({
      data: {
        id: "apn_rt",
        orgId: org.id,
        approvalId: approval.id,
        kind: "reminder",
        channel: "slack",
        target: "C0RT",
        slackTs: "1.000001",
        status: "sent",
        error: "e",
        createdAt: t,
        outcomePostedAt: later,
      },
    });
    await roundTrip("ApprovalNotice", notice, () => prisma.approvalNotice.findUnique({ where: { id: notice.id } }));
    const slack = await prisma.orgSlackConnection.create({
      data: {
        orgId: org.id,
        botTokenEnc: "v1:a:b",
        signingSecretEnc: "v1:c:d",
        teamId: "T0RT",
        teamName: "RT",
        botUserId: "U0RT",
        createdBy: membership.id,
        createdAt: t,
        updatedAt: later,
        verifiedAt: later,
      },
    });
    await roundTrip("OrgSlackConnection", slack, () => prisma.orgSlackConnection.findUnique({ where: { orgId: org.id } }));
    const slackRequest = await prisma.slackConnectionRequest.create({
      data: {
        id: "scq_rt",
        orgId: org.id,
        approvalId: "apr_rt_slack",
        botTokenEnc: "v1:e:f",
        signingSecretEnc: "v1:g:h",
        teamId: "T0RT",
        teamName: "RT",
        botUserId: "U0RT",
        requestedBy: membership.id,
        createdAt: t,
        appliedAt: later,
      },
    });
    await roundTrip("SlackConnectionRequest", slackRequest, () => prisma.slackConnectionRequest.findUnique({ where: { id: slackRequest.id } }));
    const grant = await prisma.standingGrant.create({
      data: {
        id: "grt_rt",
        orgId: org.id,
        agentId: agent.id,
        actionType: "pr.merge",
        match: { repo: "web" },
        approvalId: approval.id,
        createdBy: membership.id,
        expiresAt: later,
        maxUses: 5,
        uses: 2,
        reason: "r",
        via: "slack",
        anyArguments: true,
        endedReason: "grantor_removed",
        createdAt: t,
        revokedAt: later,
        revokedBy: membership.id,
      },
    });
    await roundTrip("StandingGrant", grant, () => prisma.standingGrant.findUnique({ where: { id: grant.id } }));
    const coverUser = await prisma.user.create({ data: { id: "usr_rt_cover", email: "cover@example.test", name: "cover" } });
    const second = await prisma.membership.create({ data: { id: "mem_rt_cover", orgId: org.id, userId: coverUser.id, role: "approver" } });
    const handover = await prisma.approvalHandover.create({
      data: { id: "aho_rt", orgId: org.id, fromMembershipId: membership.id, toMembershipId: second.id, endsAt: later, createdAt: t, endedAt: later },
    });
    await roundTrip("ApprovalHandover", handover, () => prisma.approvalHandover.findUnique({ where: { id: handover.id } }));
    const lease = await prisma.jobLease.create({ data: { name: "jobs-rt", holder: "host:1:abc", expiresAt: later, term: 7n, updatedAt: t } });
    await roundTrip("JobLease", lease, () => prisma.jobLease.findUnique({ where: { name: lease.name } }));
    const cliLogin = await prisma.cliLogin.create({
      data: {
        id: "cli_rt",
        userCode: "BCDF-GHJK",
        pollHash: "ph",
        client: "gatehouse 0.1.0 on rt",
        address: "192.0.2.1",
        status: "collected",
        orgId: org.id,
        membershipId: membership.id,
        keyId: "key_rt",
        createdAt: t,
        expiresAt: later,
        decidedAt: later,
        collectedAt: later,
      },
    });
    await roundTrip("CliLogin", cliLogin, () => prisma.cliLogin.findUnique({ where: { id: cliLogin.id } }));
    const latency = await prisma.decisionLatency.create({ data: { orgId: org.id, minute: t, instance: "host:1:abc", counts: [1, 0, 2] } });
    await roundTrip("DecisionLatency", latency, () =>
      prisma.decisionLatency.findUnique({ where: { orgId_minute_instance: { orgId: org.id, minute: t, instance: "host:1:abc" } } }),
    );
    const detector = await prisma.contentDetector.create({
      data: {
        id: "cdt_rt",
        orgId: org.id,
        name: "acme_ticket",
        class: "secrets",
        pattern: "ACME-[0-9]{8}",
        keywords: ["acme-"],
        checksum: "luhn",
        enabled: false,
        createdBy: membership.id,
        createdAt: t,
        updatedAt: later,
      },
    });
    await roundTrip("ContentDetector", detector, () => prisma.contentDetector.findUnique({ where: { id: detector.id } }));
    const mcpServer = await prisma.mcpServer.create({
      data: {
        id: "mcs_rt",
        orgId: org.id,
        name: "docs",
        url: "https://mcp.example.test/mcp",
        description: "d",
        credentialEnc: "v1:iv:sealed",
        catalogDigest: "c".repeat(64),
        catalogPinnedAt: t,
        createdBy: membership.id,
        createdAt: t,
        updatedAt: later,
      },
      omit: { credentialEnc: false },
    });
    await roundTrip("McpServer", mcpServer, () => prisma.mcpServer.findUnique({ where: { id: mcpServer.id }, omit: { credentialEnc: false } }));
    const mcpGateway = await prisma.mcpGateway.create({
      data: { id: "mcg_rt", orgId: org.id, name: "team", description: "d", onChange: "require_approval", createdBy: membership.id, createdAt: t, updatedAt: later },
    });
    await roundTrip("McpGateway", mcpGateway, () => prisma.mcpGateway.findUnique({ where: { id: mcpGateway.id } }));
    const served = await prisma.mcpGatewayServer.create({ data: { gatewayId: mcpGateway.id, serverId: mcpServer.id } });
    await roundTrip("McpGatewayServer", served, () => prisma.mcpGatewayServer.findUnique({ where: { gatewayId_serverId: { gatewayId: mcpGateway.id, serverId: mcpServer.id } } }));
    const pin = await prisma.mcpToolPin.create({
      data: {
        serverId: mcpServer.id,
        tool: "search",
        orgId: org.id,
        digest: "a".repeat(64),
        definition: { description: "Search.", inputSchema: { type: "object" } },
        pendingDigest: "b".repeat(64),
        pendingDefinition: { description: "Search. Now." },
        pendingFields: ["description"],
        pinnedAt: t,
        changedAt: later,
      },
    });
    await roundTrip("McpToolPin", pin, () => prisma.mcpToolPin.findUnique({ where: { serverId_tool: { serverId: mcpServer.id, tool: "search" } } }));
    const session = await prisma.mcpSession.create({
      data: {
        id: "mss_rt",
        orgId: org.id,
        gatewayId: mcpGateway.id,
        agentId: "agt_rt",
        protocolVersion: "2025-11-25",
        clientName: "client",
        upstream: { [mcpServer.id]: { sessionId: "u-1", protocolVersion: "2025-11-25" } },
        createdAt: t,
        lastSeenAt: later,
      },
    });
    await roundTrip("McpSession", session, () => prisma.mcpSession.findUnique({ where: { id: session.id } }));
    expect(checked.sort()).toEqual(schema.models.map((m) => m.name).sort());
  });

  it("refuses UPDATE and DELETE on audit entries at the database level", async () => {
    await expect(client.query(`UPDATE audit_entries SET type = 'edited' WHERE id = 'aud_rt'`)).rejects.toThrow(/append-only/);
    await expect(client.query(`DELETE FROM audit_entries WHERE id = 'aud_rt'`)).rejects.toThrow(/append-only/);
  });
});
