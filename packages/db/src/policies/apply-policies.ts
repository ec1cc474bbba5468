import type { PolicySetDiff } from "@gatehouse/contracts";
import { conflict, newId, policySettings, validationError, type AuditEntryInput, type PolicyDocument, type PolicyTestCase } from "@gatehouse/core";
import { actorLabel, actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntries } from "../audit/append-audit-entries";
import type { Prisma } from "../generated/prisma/client";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { invalidatePolicyCache } from "../snapshots/policy-cache";
import { storePolicyTests } from "./store-policy-tests";
import { checkPolicySetOffLoop } from "./check-policies";

/** The set parsed and its tests run on the work pool; a failing test refuses it. */
async function checkedSet(orgId: string, input: unknown) {
  const check = await checkPolicySetOffLoop(orgId, input, ["documents", "contentHashes", "tests"]);
  if (check.failed.length > 0) throw validationError(check.failed);
  return check;
}

/** A policy the set creates or changes. */
export type PolicyChange = PolicySetDiff["created"][number];

export type { PolicySetDiff };

type ExistingPolicy = { id: string; name: string; status: "active" | "archived"; version: number; contentHash: string | null };

async function loadExisting(tx: Tx, orgId: string): Promise<Map<string, ExistingPolicy>> {
  const rows = await tx.policy.findMany({
    where: { orgId },
    select: { id: true, name: true, status: true, currentVersion: { select: { version: true, contentHash: true } } },
  });
  return new Map(
    rows.map((row) => [
      row.name,
      { id: row.id, name: row.name, status: row.status, version: row.currentVersion?.version ?? 0, contentHash: row.currentVersion?.contentHash ?? null },
    ]),
  );
}

/**
 * Declarative: the given set becomes the org's active policies. Changed policies get a new immutable
 * version, new ones are created, active ones missing from the set are archived. Each published
 * version and archive is an audit entry carrying the content hash. With dryRun, only the diff. With
 * keepOthers, the set is added to the org's policies: active ones missing from it stay active.
 * `within` runs inside the same transaction after the writes (a publish request marking itself
 * applied): its throw rolls the whole apply back. Under the org setting policies.requireSecondApproval
 * a member's apply is a 409 (SECOND_APPROVAL_REQUIRED) unless `approved` (the approved publish).
 *
 * The set's `tests` run first, with the engine that decides: a set whose tests fail is refused
 * (VALIDATION, an issue per failed test at `tests[i]`) before anything is written, dryRun or not. A
 * full apply (not keepOthers) stores the set's tests (none when absent) with the policies, in the
 * same transaction; keepOthers adds policies and leaves the stored tests as they are.
 */
export async function applyPolicies({
  ctx,
  input,
  dryRun = false,
  keepOthers = false,
  within,
  approved = false,
  checked,
}: {
  ctx: Ctx;
  input: unknown;
  /** The set as a check on the work pool already parsed it (a publish checks its draft's source): not checked again. */
  checked?: { documents: PolicyDocument[]; contentHashes: string[]; tests: PolicyTestCase[] };
  dryRun?: boolean;
  keepOthers?: boolean;
  within?: (tx: Tx) => Promise<void>;
  /** Applied because a second admin approved it (the two-admin rule's own apply). */
  approved?: boolean;
}): Promise<PolicySetDiff> {
  requirePermission(ctx, "policies.write");
  // Parsed and tested on the work pool (in the org's turn): a hostile set costs a worker, never the event loop.
  const { documents, contentHashes, tests } = checked ?? (await checkedSet(ctx.org.id, input));
  const diff = await db().$transaction(async (tx) => {
    // Serialize concurrent applies for one org: the diff must be computed against what is committed.
    const [org] = await tx.$queryRaw<Array<{ settings: unknown }>>`SELECT settings FROM orgs WHERE id = ${ctx.org.id} FOR UPDATE`;
    // Under the two-admin rule a member cannot put a set live alone: only the approved publish applies.
    if (!dryRun && !approved && ctx.actor.type !== "system" && policySettings(org?.settings).requireSecondApproval) {
      throw conflict(
        "this org requires a second admin's approval for policy changes: publish a draft (POST /v1/admin/policies/draft/publish) and have another owner or admin approve it",
        {
          reason: "SECOND_APPROVAL_REQUIRED",
        },
      );
    }
    const existing = await loadExisting(tx, ctx.org.id);
    const diff: PolicySetDiff = { dryRun, created: [], updated: [], archived: [], unchanged: [] };
    const publish: Array<{ document: PolicyDocument; contentHash: string; existing: ExistingPolicy | undefined; version: number }> = [];
    for (const [i, document] of documents.entries()) {
      const contentHash = contentHashes[i] as string;
      const current = existing.get(document.name);
      if (current && current.status === "active" && current.contentHash === contentHash) {
        diff.unchanged.push({ name: document.name, version: current.version });
        continue;
      }
      const version = (current?.version ?? 0) + 1;
      publish.push({ document, contentHash, existing: current, version });
      if (current?.status === "active") diff.updated.push({ name: document.name, version, contentHash, previousVersion: current.version });
      else diff.created.push({ name: document.name, version, contentHash });
    }
    const names = new Set(documents.map((d) => d.name));
    const toArchive = keepOthers ? [] : [...existing.values()].filter((p) => p.status === "active" && !names.has(p.name));
    diff.archived = toArchive.map((p) => ({ name: p.name, version: p.version }));
    if (dryRun) return diff;

    const createdBy = actorLabel(ctx.actor);
    const audit: AuditEntryInput[] = [];
    for (const item of publish) {
      const policyId = item.existing?.id ?? newId("policy");
      const versionId = newId("policyVersion");
      if (!item.existing) await tx.policy.create({ data: { id: policyId, orgId: ctx.org.id, name: item.document.name } });
      await tx.policyVersion.create({
        data: {
          id: versionId,
          orgId: ctx.org.id,
          policyId,
          version: item.version,
          document: item.document as unknown as Prisma.InputJsonObject,
          contentHash: item.contentHash,
          createdBy,
        },
      });
      await tx.policy.update({ where: { id: policyId }, data: { currentVersionId: versionId, status: "active", archivedAt: null } });
      audit.push({
        type: "policy.version_published",
        actor: actorRef(ctx.actor),
        subjectId: versionId,
        data: { policyId, name: item.document.name, version: item.version, contentHash: item.contentHash, document: item.document },
      });
    }
    for (const policy of toArchive) {
      await tx.policy.update({ where: { id: policy.id }, data: { status: "archived", archivedAt: new Date() } });
      audit.push({ type: "policy.archived", actor: actorRef(ctx.actor), subjectId: policy.id, data: { policyId: policy.id, name: policy.name, version: policy.version } });
    }
    if (!keepOthers) await storePolicyTests(tx, ctx.org.id, tests);
    if (audit.length > 0) {
      await appendAuditEntries(tx, ctx.org.id, audit);
      await tx.org.update({ where: { id: ctx.org.id }, data: { policyRevision: { increment: 1 } } });
    }
    if (within) await within(tx);
    return diff;
  }, TX_OPTIONS);
  if (!dryRun && diff.created.length + diff.updated.length + diff.archived.length > 0) {
    // This process sees its own change at once; other instances through the signal (or the revision check).
    invalidatePolicyCache(ctx.org.id);
    await publishAfterCommit({ type: "policies.changed", orgId: ctx.org.id });
  }
  return diff;
}
