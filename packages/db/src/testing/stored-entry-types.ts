import pg from "pg";
import { openEntry, parseAuditEntryPayload, type AuditEntryInput, type StoredFields } from "@gatehouse/core";

/** What the audit entries of one database hold: how many of each type, and every entry the union of entry types does not describe. */
export interface StoredEntryReport {
  types: Record<string, number>;
  undescribed: Array<{ orgId: string; seq: number; problem: string }>;
}

/** Rows read at once. */
const PAGE = 5_000;
/** Problems kept (the count of each type is always complete). */
const KEEP = 50;

/**
 * Reads every audit entry of the database at `url` (every org, in pages) and parses each with the
 * union of entry types: its type must be one of them and its data must match that type's schema.
 * The test runs call it on their database before dropping it (packages/db/test/global-setup.ts), so
 * every entry the suite's scenarios wrote is checked.
 */
export async function checkStoredEntryTypes(url: string): Promise<StoredEntryReport> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const report: StoredEntryReport = { types: {}, undescribed: [] };
  try {
    let after: { orgId: string; seq: string } = { orgId: "", seq: "-1" };
    for (;;) {
      const { rows } = await client.query<{ org_id: string; seq: string; type: string; canonical: string; fields: StoredFields | null }>(
        `SELECT org_id, seq::text AS seq, type, canonical, fields FROM audit_entries WHERE (org_id, seq) > ($1, $2::bigint) ORDER BY org_id, seq LIMIT ${PAGE}`,
        [after.orgId, after.seq],
      );
      for (const row of rows) {
        report.types[row.type] = (report.types[row.type] ?? 0) + 1;
        const problem = problemOf(row.type, row.canonical, row.fields);
        if (problem && report.undescribed.length < KEEP) report.undescribed.push({ orgId: row.org_id, seq: Number(row.seq), problem });
      }
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) break;
      after = { orgId: last.org_id, seq: last.seq };
    }
  } finally {
    await client.end();
  }
  return report;
}

/** A second-format entry is checked with its committed fields back in its data (openEntry), as readers see it. */
function problemOf(type: string, canonical: string, fields: StoredFields | null): string | null {
  let stored: { type?: unknown; data?: unknown };
  try {
    stored = openEntry(canonical, fields);
  } catch {
    return `${type}: the canonical text is not JSON`;
  }
  if (stored.type !== type) return `${type}: the canonical text names the type ${JSON.stringify(stored.type)}`;
  const parsed = parseAuditEntryPayload({ type, data: stored.data });
  return parsed.ok ? null : parsed.problem;
}

/**
 * A filler entry for tests that need many entries in a log: an org rename from `note` to `note <i>`
 * (a type of the log's own, so the stored-entry check describes it).
 */
export function noteEntry(i: number, by: string): AuditEntryInput {
  return { type: "org.renamed", actor: { type: "system", id: by }, data: { from: "note", to: `note ${i}` } };
}
