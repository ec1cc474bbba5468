import { ERASURE_MAX_ENTRIES } from "@gatehouse/contracts";
import { describeRetention, retentionRules, retentionSettings, RETAINED_TYPES, type RetentionRule, type StoredFields } from "@gatehouse/core";
import { db, TX_OPTIONS } from "../infra/client";
import { writeAuditErasure } from "./erase-audit-fields";

/** The actor of a retention sweep's `audit.erased` entries. */
export const RETENTION_ACTOR = { type: "system", id: "retention" } as const;
/** Batches of at most ERASURE_MAX_ENTRIES entries one org gets per run: a large backlog is worked off over runs, and no org holds the job long. */
const BATCHES_PER_RUN = 5;
const DAY_MS = 86_400_000;

export interface RetentionSweep {
  /** Orgs with a retention in force. */
  orgs: number;
  /** `audit.erased` entries written (one per batch). */
  sweeps: number;
  entries: number;
  fields: number;
}

/**
 * That an entry's retention started before `cutoff` (docs/audit.md, Retention): its retention starts when it was
 * written, or for a decision that asked for an approval, when that approval was decided (approved, denied, expired or
 * cancelled), which is never earlier. The entry (`e`) joined to its action and that action's approval (`ap`, none for a
 * decision that asked for none); `e.created_at` is named on its own too, so the months after the cut-off are not read.
 */
const startedBefore = (cutoff: string) => `(e.created_at < ${cutoff} AND COALESCE(ap.decided_at, e.created_at) < ${cutoff})`;

/** The SQL condition that an entry is past one of the rules, its cut-off times bound as parameters from `$first`. */
function pastRules(rules: readonly RetentionRule[], now: Date, first: number): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const clauses = rules.map((rule) => {
    values.push(new Date(now.getTime() - rule.days * DAY_MS));
    const cutoff = `$${first + values.length - 1}`;
    if (rule.kind === "type") {
      values.push(rule.type);
      return `(e.type = $${first + values.length - 1} AND ${startedBefore(cutoff)})`;
    }
    values.push(JSON.stringify([{ class: rule.class }]));
    return `(${startedBefore(cutoff)} AND (e.canonical::jsonb) -> 'data' -> 'findings' @> $${first + values.length - 1}::jsonb)`;
  });
  return { sql: `(${clauses.join(" OR ")})`, values };
}

/**
 * The worker's retention sweep (job `audit-retention`, docs/audit.md, Retention): for each open org with a
 * retention in force, the entries of the erasable types past a rule that still hold a value have their values
 * erased the way an owner's erasure does (erase-audit-fields.ts): the values and salts go, each field is marked
 * erased by the sweep's own `audit.erased` entry (actor `system:retention`, its reason naming the rules), the
 * console's copies go, and no hash, checkpoint or proof changes. At most ERASURE_MAX_ENTRIES entries per entry and
 * BATCHES_PER_RUN per org and run. Two workers racing erase each field once (the rows are locked and a field
 * already erased is left out). Nothing past retention writes nothing.
 *
 * A decision still waiting for its approval is never reached: its values are what the approvers decide on. Its
 * retention runs from the moment its approval is decided (startedBefore), so the values stay at least that long
 * after the decision, whatever the rule.
 */
export async function sweepRetention({ now = new Date(), onlyOrgs }: { now?: Date; onlyOrgs?: readonly string[] } = {}): Promise<RetentionSweep> {
  const pool = db().pool;
  const orgs = await pool.query<{ id: string; settings: unknown }>(
    `SELECT id, settings FROM orgs WHERE closed_at IS NULL AND settings ? 'retention'${onlyOrgs ? " AND id = ANY($1::text[])" : ""}`,
    onlyOrgs ? [onlyOrgs] : [],
  );
  const done: RetentionSweep = { orgs: 0, sweeps: 0, entries: 0, fields: 0 };
  const failed: string[] = [];
  for (const org of orgs.rows) {
    try {
      await sweepOrg(org, now, done);
    } catch (error) {
      // One org's failure (it closed meanwhile, say) leaves the others swept; the job reports it.
      failed.push(`${org.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failed.length > 0) throw new Error(`retention sweep failed for ${failed.length} org(s): ${failed.join("; ")}`);
  return done;
}

async function sweepOrg(org: { id: string; settings: unknown }, now: Date, done: RetentionSweep): Promise<void> {
  const pool = db().pool;
  const rules = retentionRules(retentionSettings(org.settings));
  if (rules.length === 0) return;
  done.orgs += 1;
  const past = pastRules(rules, now, 3);
  const reason = `Retention (settings.retention): ${describeRetention(rules)}`;
  for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
    const { rows } = await pool.query<{ seq: string; fields: StoredFields }>(
      `SELECT e.seq::text AS seq, e.fields FROM audit_entries e
       LEFT JOIN actions ac ON ac.audit_entry_id = e.id AND ac.org_id = e.org_id
       LEFT JOIN approvals ap ON ap.action_id = ac.id AND ap.org_id = e.org_id
       WHERE e.org_id = $1 AND e.type = ANY($2::text[]) AND e.fields IS NOT NULL
         AND EXISTS (SELECT 1 FROM jsonb_each(e.fields) f WHERE f.value ? 'canonical')
         AND (ap.status IS NULL OR ap.status <> 'pending')
         AND ${past.sql}
       ORDER BY e.seq LIMIT ${ERASURE_MAX_ENTRIES}`,
      [org.id, RETAINED_TYPES, ...past.values],
    );
    if (rows.length === 0) break;
    const plan = {
      entries: rows.map((row) => ({
        seq: Number(row.seq),
        fields: Object.entries(row.fields)
          .filter(([, field]) => "canonical" in field)
          .map(([name]) => name)
          .sort(),
      })),
    };
    const erased = await db().$transaction((tx) => writeAuditErasure(tx, org.id, { actor: RETENTION_ACTOR, plan, reason }), TX_OPTIONS);
    if (erased.erasureEntryId === null) break;
    done.sweeps += 1;
    done.entries += erased.entries;
    done.fields += erased.fields;
    if (rows.length < ERASURE_MAX_ENTRIES) break;
  }
}
