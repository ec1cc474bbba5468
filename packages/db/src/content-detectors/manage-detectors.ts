import { createHmac } from "node:crypto";
import { createContentDetectorBodySchema, testContentDetectorBodySchema, updateContentDetectorBodySchema, type ContentDetectorView } from "@gatehouse/contracts";
import {
  conflict,
  DETECTOR_FINGERPRINT_HEX,
  MAX_ORG_DETECTORS,
  newId,
  notFound,
  ORG_SCREEN_INLINE_WORK,
  ORG_SCREEN_PROGRAM_BUDGET,
  orgProgramSize,
  orgScreenWork,
  rateLimited,
  SCREENED_CALL_MAX_CHARS,
  testOrgDetector,
  testOrgDetectorJob,
  unavailable,
  validationError,
  zodIssues,
  type ContentClass,
  type OrgDetectorSpec,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent, requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { forgetOrgDetectors, orgDetectors } from "../snapshots/org-detectors";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { WorkCrashed, WorkQueueFull, WorkTimeout, workPool, workTask, type WorkPool } from "../infra/work-pool";
import { isUniqueViolation } from "../infra/prisma-errors";
import { orgSubkey } from "../infra/org-vault";
import { publishAfterCommit } from "../infra/signals";
import { settingsOf } from "../orgs/get-org-settings";
import { SECOND_APPROVAL_REQUIRED } from "../orgs/update-org-settings";

interface DetectorRow {
  id: string;
  name: string;
  class: string;
  pattern: string;
  keywords: string[];
  checksum: string | null;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

function view(row: DetectorRow): ContentDetectorView {
  return {
    id: row.id,
    name: row.name,
    class: row.class as ContentClass,
    pattern: row.pattern,
    keywords: row.keywords,
    checksum: row.checksum === "luhn" || row.checksum === "iban" ? row.checksum : null,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const nameTaken = () => validationError([{ path: "name", message: "is already the name of another of the org's detectors" }]);

/** Keywords as they are matched: lowercased, each once. */
const keywordsOf = (keywords: readonly string[]) => [...new Set(keywords.map((keyword) => keyword.toLowerCase()))];

async function detectorOf(tx: Tx, ctx: Ctx, id: string, lock: boolean): Promise<DetectorRow> {
  if (lock) {
    const locked = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM content_detectors WHERE id = $1 AND org_id = $2 FOR UPDATE`, id, ctx.org.id);
    if (locked.length === 0) throw notFound("content detector");
  }
  const row = await tx.contentDetector.findFirst({ where: { id, orgId: ctx.org.id } });
  if (!row) throw notFound("content detector");
  return row;
}

async function changed(ctx: Ctx): Promise<void> {
  forgetOrgDetectors(ctx.org.id);
  await publishAfterCommit({ type: "detectors.changed", orgId: ctx.org.id });
}

/**
 * The entry of a change: the pattern and keywords as keyed fingerprints, never in clear (a literal pattern
 * may be the secret it guards, and every role that reads the log is not an admin). HMAC-SHA-256 under the
 * org's `detector-fingerprint` subkey, its first DETECTOR_FINGERPRINT_HEX hex characters: the same text
 * gives the same fingerprint in one org, and nobody without the master key can try guesses against it.
 */
async function entryData(orgId: string, row: DetectorRow, change: "created" | "updated" | "deleted") {
  const key = await orgSubkey(orgId, "detector-fingerprint");
  const fingerprint = (kind: "pattern" | "keyword", text: string) => createHmac("sha256", key).update(`${kind}\n${text}`, "utf8").digest("hex").slice(0, DETECTOR_FINGERPRINT_HEX);
  return {
    detectorId: row.id,
    change,
    name: row.name,
    class: row.class as ContentClass,
    patternFingerprint: fingerprint("pattern", row.pattern),
    keywordFingerprints: row.keywords.map((keyword) => fingerprint("keyword", keyword)),
    checksum: row.checksum,
    enabled: row.enabled,
  };
}

/** Whether the two-admin rule is in force (a change that could find less then waits for another admin: refused here). */
async function secondApprovalInForce(tx: Tx, orgId: string): Promise<boolean> {
  const org = await tx.org.findUniqueOrThrow({ where: { id: orgId }, select: { settings: true } });
  return settingsOf(org.settings).policies.requireSecondApproval;
}

function secondApprovalRequired(what: string) {
  return conflict(
    `the two-admin rule is in force: ${what} lets content through that the screen finds now; turn the rule off (with another owner or admin's approval) or leave the detector as it is`,
    { reason: SECOND_APPROVAL_REQUIRED },
  );
}

/**
 * The org's enabled detectors, as they stand in `tx` after a change, held to the screening budget
 * (docs/content-detectors.md, "Budgets"): their RE2 programs together may hold ORG_SCREEN_PROGRAM_BUDGET
 * instructions, so the costliest call (SCREENED_CALL_MAX_CHARS of text, every detector running) stays
 * within one call's work. Past it: a 400 naming `pattern`, and the change rolls back.
 */
async function withinScreenBudget(tx: Tx, orgId: string): Promise<void> {
  const rows = await tx.contentDetector.findMany({ where: { orgId, enabled: true }, select: { name: true, class: true, pattern: true, keywords: true, checksum: true } });
  const specs: OrgDetectorSpec[] = rows.map((row) => ({
    name: row.name,
    class: row.class as ContentClass,
    pattern: row.pattern,
    keywords: row.keywords,
    checksum: row.checksum === "luhn" || row.checksum === "iban" ? row.checksum : null,
  }));
  const size = orgProgramSize(specs);
  if (size > ORG_SCREEN_PROGRAM_BUDGET) {
    throw validationError([
      {
        path: "pattern",
        message: `the org's enabled detectors would compile to ${size} RE2 instructions in all, more than ${ORG_SCREEN_PROGRAM_BUDGET}: screening a ${SCREENED_CALL_MAX_CHARS.toLocaleString("en-US")}-character call would pass one call's budget; use a smaller pattern (fewer or smaller counted repetitions), or disable another detector`,
      },
    ]);
  }
}

/** Adds a detector the org's screens run from the next call on (docs/content-detectors.md, "An org's own detectors"). */
export async function createContentDetector({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<ContentDetectorView> {
  requirePermission(ctx, "content.detectors");
  const parsed = createContentDetectorBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const body = parsed.data;
  const id = newId("contentDetector");
  try {
    const created = await db().$transaction(async (tx) => {
      // Locked: two adds at once cannot both pass the cap.
      await tx.$queryRaw`SELECT id FROM orgs WHERE id = ${ctx.org.id} FOR UPDATE`;
      const count = await tx.contentDetector.count({ where: { orgId: ctx.org.id } });
      if (count >= MAX_ORG_DETECTORS) throw conflict(`an organization has at most ${MAX_ORG_DETECTORS} content detectors: delete one first`);
      if (await tx.contentDetector.findFirst({ where: { orgId: ctx.org.id, name: body.name }, select: { id: true } })) throw nameTaken();
      const row = await tx.contentDetector.create({
        data: {
          id,
          orgId: ctx.org.id,
          name: body.name,
          class: body.class,
          pattern: body.pattern,
          keywords: keywordsOf(body.keywords),
          checksum: body.checksum,
          enabled: body.enabled,
          createdBy: ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null,
        },
      });
      await withinScreenBudget(tx, ctx.org.id);
      await appendAuditEntry(tx, ctx.org.id, { type: "content.detector_changed", actor: actorRef(ctx.actor), subjectId: id, data: await entryData(ctx.org.id, row, "created") });
      return row;
    }, TX_OPTIONS);
    await changed(ctx);
    return view(created);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

export async function listContentDetectors({ ctx }: { ctx: Ctx }): Promise<{ detectors: ContentDetectorView[] }> {
  requirePermission(ctx, "content.detectors");
  const rows = await db().contentDetector.findMany({ where: { orgId: ctx.org.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return { detectors: rows.map(view) };
}

export async function getContentDetector({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<ContentDetectorView> {
  requirePermission(ctx, "content.detectors");
  const row = await db().contentDetector.findFirst({ where: { id: input.id, orgId: ctx.org.id } });
  if (!row) throw notFound("content detector");
  return view(row);
}

/** Changes a detector; while the two-admin rule is in force, one that could find less is refused (409). */
export async function updateContentDetector({ ctx, input }: { ctx: Ctx; input: { id: string; body: unknown } }): Promise<ContentDetectorView> {
  requirePermission(ctx, "content.detectors");
  const parsed = updateContentDetectorBodySchema.safeParse(input.body);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const body = parsed.data;
  try {
    const updated = await db().$transaction(async (tx) => {
      const before = await detectorOf(tx, ctx, input.id, true);
      const keywords = body.keywords === undefined ? undefined : keywordsOf(body.keywords);
      const narrows =
        (body.enabled === false && before.enabled) ||
        (body.pattern !== undefined && body.pattern !== before.pattern) ||
        (body.class !== undefined && body.class !== before.class) ||
        (body.checksum !== undefined && body.checksum !== before.checksum) ||
        (keywords !== undefined && keywords.join("\n") !== before.keywords.join("\n"));
      if (narrows && (await secondApprovalInForce(tx, ctx.org.id))) throw secondApprovalRequired("disabling a detector or changing what it looks for");
      if (body.name !== undefined && body.name !== before.name) {
        if (await tx.contentDetector.findFirst({ where: { orgId: ctx.org.id, name: body.name }, select: { id: true } })) throw nameTaken();
      }
      const row = await tx.contentDetector.update({
        where: { id: before.id },
        data: {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.class !== undefined ? { class: body.class } : {}),
          ...(body.pattern !== undefined ? { pattern: body.pattern } : {}),
          ...(keywords !== undefined ? { keywords } : {}),
          ...(body.checksum !== undefined ? { checksum: body.checksum } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
          updatedAt: new Date(),
        },
      });
      await withinScreenBudget(tx, ctx.org.id);
      await appendAuditEntry(tx, ctx.org.id, {
        type: "content.detector_changed",
        actor: actorRef(ctx.actor),
        subjectId: row.id,
        data: await entryData(ctx.org.id, row, "updated"),
      });
      return row;
    }, TX_OPTIONS);
    await changed(ctx);
    return view(updated);
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

/** Deletes a detector; while the two-admin rule is in force this is refused (409). */
export async function deleteContentDetector({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<ContentDetectorView> {
  requirePermission(ctx, "content.detectors");
  const deleted = await db().$transaction(async (tx) => {
    const row = await detectorOf(tx, ctx, input.id, true);
    if (await secondApprovalInForce(tx, ctx.org.id)) throw secondApprovalRequired("deleting a detector");
    await tx.contentDetector.delete({ where: { id: row.id } });
    await appendAuditEntry(tx, ctx.org.id, { type: "content.detector_changed", actor: actorRef(ctx.actor), subjectId: row.id, data: await entryData(ctx.org.id, row, "deleted") });
    return row;
  }, TX_OPTIONS);
  await changed(ctx);
  return view(deleted);
}

const testTask = workTask<{ spec: OrgDetectorSpec; samples: readonly string[] }, ReturnType<typeof testOrgDetector>>("@gatehouse/core", "testOrgDetectorJob");

/**
 * A candidate's hits in sample texts; nothing is saved or recorded. Small tests run at once; larger ones
 * (up to 20 samples of 4,096 characters: seconds of the costliest pattern) on the work pool in the org's turn.
 */
export async function testContentDetector({ ctx, input, work }: { ctx: Ctx; input: unknown; work?: WorkPool }): Promise<{ results: ReturnType<typeof testOrgDetector> }> {
  requirePermission(ctx, "content.detectors");
  const parsed = testContentDetectorBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { detector, samples } = parsed.data;
  const spec: OrgDetectorSpec = { name: "candidate", ...detector, keywords: keywordsOf(detector.keywords) };
  if (orgScreenWork({ specs: [spec], texts: samples }) <= ORG_SCREEN_INLINE_WORK) return { results: testOrgDetectorJob({ spec, samples }) };
  try {
    return { results: await (work ?? workPool()).run(testTask, { spec, samples }, { key: ctx.org.id }) };
  } catch (error) {
    if (error instanceof WorkQueueFull)
      throw rateLimited(`${error.queued} jobs of this org already wait for the work pool; try again when they are done`, 1, { queued: error.queued });
    if (error instanceof WorkTimeout || error instanceof WorkCrashed) throw unavailable("the test stopped before it finished; try again shortly", 5);
    throw error;
  }
}

/**
 * The org's enabled detectors as an agent's key may see them: name and class, never the pattern, keywords or
 * checksum (a pattern may spell the very value it guards: ADR 0038, amended). An SDK that gets a non-empty list
 * sends the texts it screens to `POST /v1/scan`, where the patterns run (docs/guardrails.md).
 */
export async function screenContentDetectors({ ctx }: { ctx: Ctx }): Promise<{ detectors: Array<Pick<ContentDetectorView, "name" | "class">> }> {
  requireAgent(ctx);
  const { specs } = await orgDetectors(ctx.org.id);
  return { detectors: specs.map((spec) => ({ name: spec.name, class: spec.class })) };
}
