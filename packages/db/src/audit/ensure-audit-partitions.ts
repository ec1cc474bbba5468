import { db } from "../infra/client";

/** How many months past this one have their audit_entries partition at all times (docs/adr/0042-audit-entries-partitioned-by-month.md). */
export const AUDIT_PARTITION_MONTHS_AHEAD = 3;
/** Creating a month attaches it to audit_entries; an append holding the table waits this long at most, and the job tries again next run. */
const LOCK_TIMEOUT_MS = 2_000;

export interface AuditPartitions {
  /** The month partitions this run created (audit_entries_yYYYYmMM). */
  created: string[];
}

/**
 * The worker's job `audit-partitions` (docs/audit.md, Partitions): audit_entries has a partition for this month and the
 * AUDIT_PARTITION_MONTHS_AHEAD months after it, so no append lands in the default partition while the worker runs. A
 * month whose rows are already in the default partition (the worker was stopped for months, or a clock ran ahead) cannot
 * get its partition: those rows stay where they are, verifiable as any others, and the run fails naming the month and the
 * remedy (`gatehouse_audit_fold_default()`, which moves them into partitions of their months), so the job's health says so. Running it twice, or on two workers at once, creates each month once.
 */
export async function ensureAuditPartitions({ monthsAhead = AUDIT_PARTITION_MONTHS_AHEAD }: { monthsAhead?: number } = {}): Promise<AuditPartitions> {
  const client = await db().pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    const { rows } = await client.query<{ created: string[]; skipped: string[] }>(`SELECT created, skipped FROM gatehouse_audit_partitions_ahead($1::int)`, [monthsAhead]);
    await client.query("COMMIT");
    const { created = [], skipped = [] } = rows[0] ?? {};
    if (skipped.length > 0) {
      throw new Error(
        `audit_entries_default holds entries of ${skipped.join(", ")}, which therefore get no partition; move them with SELECT gatehouse_audit_fold_default() (docs/audit.md, Partitions)`,
      );
    }
    return { created };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
