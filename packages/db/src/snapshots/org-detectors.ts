import { LOCAL_DETECTOR_CLASSES, orgDetectorScan, validationError, type ContentClass, type OrgDetectorScan, type OrgDetectorSpec } from "@gatehouse/core";
import { db } from "../infra/client";
import { SharedLookups } from "../infra/shared-lookups";
import { signals } from "../infra/signals";

/**
 * The org's own enabled content detectors (docs/content-detectors.md, "An org's own detectors"), as every
 * screen of its content runs them: a per-process copy, compiled once, dropped by `detectors.changed`
 * signals (Redis pub/sub across instances) and at most ORG_DETECTORS_TTL_MS old, like the settings snapshot.
 * A screen that judges under the log's lock (a report's) uses the copy its `openScreen` read before the lock.
 */
export const ORG_DETECTORS_TTL_MS = 5_000;

export interface OrgDetectors {
  specs: readonly OrgDetectorSpec[];
  /** Undefined when the org has none enabled: the screen runs the built-in table alone. */
  scan: OrgDetectorScan | undefined;
}

const NONE: OrgDetectors = { specs: [], scan: undefined };
const copies = new Map<string, { value: OrgDetectors; expiresAt: number }>();
const lookups = new SharedLookups<OrgDetectors>();
const MAX_ORGS = 10_000;
let subscribed = false;

function subscribe(): void {
  if (subscribed) return;
  subscribed = true;
  signals().subscribe((signal) => {
    if (signal.type === "detectors.changed") forgetOrgDetectors(signal.orgId);
  });
}

/** Ages this process's copy out (after a change here; other instances by the signal): the next screen that can wait reads afresh. */
export function forgetOrgDetectors(orgId: string): void {
  const copy = copies.get(orgId);
  if (copy) copy.expiresAt = 0;
  lookups.forget(orgId);
}

/** The copy when it is fresh, without a wait (the decision path takes no extra turn once it is read). */
export function freshOrgDetectors(orgId: string, now = Date.now()): OrgDetectors | undefined {
  subscribe();
  const copy = copies.get(orgId);
  return copy && copy.expiresAt > now ? copy.value : undefined;
}

/** A detector row as the screen reads it. */
export interface DetectorRow {
  name: string;
  class: string;
  pattern: string;
  keywords: string[];
  checksum: string | null;
}

/** Reads an org's enabled detector rows through a query of the caller's (its transaction). */
export type DetectorRowQuery = <R>(text: string, values: unknown[]) => Promise<R[]>;

function compiled(rows: readonly DetectorRow[]): OrgDetectors {
  const specs: OrgDetectorSpec[] = rows.map((row) => ({
    name: row.name,
    class: row.class as ContentClass,
    pattern: row.pattern,
    keywords: row.keywords,
    checksum: row.checksum === "luhn" || row.checksum === "iban" ? row.checksum : null,
  }));
  return specs.length === 0 ? NONE : { specs, scan: orgDetectorScan(specs) };
}

/**
 * The org's enabled detectors, read from the database when this process's copy is missing or old. With
 * `query` (an append under the log's lock), a missing copy is read through the caller's transaction and
 * not kept: the embedded database serves one connection's transaction at a time, so a read on another
 * connection would wait for the very transaction that waits for it (ADR 0002), and what a transaction
 * sees (a detector it added) is not yet everyone's.
 */
export async function orgDetectors(orgId: string, now = Date.now(), query?: DetectorRowQuery): Promise<OrgDetectors> {
  const fresh = freshOrgDetectors(orgId, now);
  if (fresh) return fresh;
  if (query) {
    const rows = await query<DetectorRow>(
      `SELECT name, class, pattern, coalesce(keywords, '{}') AS keywords, checksum FROM content_detectors WHERE org_id = $1 AND enabled ORDER BY created_at, id`,
      [orgId],
    );
    return compiled(rows);
  }
  return lookups.run(orgId, async (isCurrent) => {
    const rows = await db().contentDetector.findMany({
      where: { orgId, enabled: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: { name: true, class: true, pattern: true, keywords: true, checksum: true },
    });
    const value = compiled(rows);
    if (copies.size >= MAX_ORGS) copies.clear();
    if (isCurrent()) copies.set(orgId, { value, expiresAt: now + ORG_DETECTORS_TTL_MS });
    return value;
  });
}

/**
 * What a caller's own screen found (`screened`, docs/guardrails.md) may name an org detector: one of this
 * org's enabled ones, with its class. Anything else is a 400 naming the finding's field, and nothing is written.
 */
export async function checkScreenedDetectors(orgId: string, screened: ReadonlyArray<{ detector: string; class: string }> | undefined): Promise<void> {
  const own = (screened ?? []).map((finding, i) => ({ finding, i })).filter(({ finding }) => !LOCAL_DETECTOR_CLASSES.has(finding.detector));
  if (own.length === 0) return;
  const { specs } = await orgDetectors(orgId);
  const classes = new Map(specs.map((spec) => [spec.name, spec.class]));
  for (const { finding, i } of own) {
    const kind = classes.get(finding.detector);
    if (kind === undefined) throw validationError([{ path: `screened[${i}].detector`, message: "is neither a built-in detector nor one of the org's enabled detectors" }]);
    if (kind !== finding.class) throw validationError([{ path: `screened[${i}].class`, message: "is not the class of that detector" }]);
  }
}
