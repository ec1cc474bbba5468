import { GENESIS_CHAIN_HASH, orgClosed, screensCallerText, type AuditEntryInput, type SealedAuditEntry } from "@gatehouse/core";
import { screenEntries } from "../content/screen-entries";
import type { Tx } from "../infra/client";
import { appendStatement, boundIdle, logHead, sealBatch, type Bind, type HeadRow, type Query } from "./log-store";

/** Raw SQL through the caller's Prisma transaction. */
export function txQuery(tx: Tx): Query {
  return <R>(text: string, values: unknown[]) => tx.$queryRawUnsafe<R[]>(text, ...values);
}

/**
 * Appends entries to the org's log inside the caller's transaction. The org's log head row is locked
 * (FOR UPDATE) so appends serialize per org: sequence numbers are consecutive, each chain hash
 * covers the previous one, and the Merkle nodes the entries complete are stored with them. If the
 * transaction rolls back, so does the append.
 *
 * A closed org's log takes no more entries (409 ORG_CLOSED): every change to an org is audited here,
 * so this is where a closed org becomes read-only, in the same statement that takes the lock (closing
 * sets `closed_at` after its own entries, in its transaction, under this lock).
 *
 * Every field a caller's text reaches is screened here, by its entry type's declaration (core's
 * LOG_FIELDS; content/screen-entries.ts), so no service can forget it: free text as the org's content
 * settings say, and a 400 naming the field for what they refuse or for a name or key that holds what
 * they would rewrite. (Decisions are appended by the group commit and screened by screenCall.)
 */
export async function appendAuditEntries(
  tx: Tx,
  orgId: string,
  entries: readonly AuditEntryInput[],
  options: {
    /** The head as `lockAuditLogHead` read it in this transaction, with nothing appended since: saves reading it again. */
    locked?: LockedHead;
    /** Data-modifying CTEs committed in the append's statement (log-store's appendStatement). */
    alongside?: Array<(bind: Bind) => string>;
  } = {},
): Promise<SealedAuditEntry[]> {
  if (entries.length === 0) return [];
  const query = txQuery(tx);
  // Entries a caller's text reaches are screened by the org's content settings, read in the same statement.
  const screening = entries.some((entry) => screensCallerText(entry.type));
  const row = options.locked ?? (await readLockedHead(query, orgId, screening));
  if (row?.closed) throw orgClosed();
  const written = screening ? await screenEntries(orgId, row?.settings, entries, query) : entries;
  // A large append (a publish of hundreds of policies) goes in statements of APPEND_CHUNK entries, each sealed after
  // the last: building and sending one statement of them all would hold the process's other requests meanwhile.
  const createdAt = new Date();
  let head = await logHead(query, orgId, row);
  const sealed: SealedAuditEntry[] = [];
  for (let from = 0; from < written.length; from += APPEND_CHUNK) {
    const batch = await sealBatch(orgId, head, written.slice(from, from + APPEND_CHUNK), createdAt);
    const statement = appendStatement(orgId, batch, from === 0 ? options.alongside : []);
    await tx.$executeRawUnsafe(statement.text, ...statement.values);
    sealed.push(...batch.entries);
    head = batch.head;
  }
  return sealed;
}

/** The most entries one append statement carries. */
export const APPEND_CHUNK = 100;

/** The org's log head locked FOR UPDATE, whether the org is closed, and (for screening) its settings. */
export type LockedHead = HeadRow & { closed: boolean; settings?: unknown };

/** Locks the org's log head and reads it, its org's closing and its settings, in one statement. */
export async function readLockedHead(query: Query, orgId: string, withSettings = true): Promise<LockedHead | undefined> {
  const [row] = await query<LockedHead>(
    `SELECT ${boundIdle()}, h.size, h.chain_hash, h.frontier, o.closed_at IS NOT NULL AS closed${withSettings ? ", o.settings" : ""} FROM audit_log_heads h JOIN orgs o ON o.id = h.org_id WHERE h.org_id = $1 FOR UPDATE OF h`,
    [orgId],
  );
  return row;
}

export async function appendAuditEntry(tx: Tx, orgId: string, entry: AuditEntryInput): Promise<SealedAuditEntry> {
  const [sealed] = await appendAuditEntries(tx, orgId, [entry]);
  if (!sealed) throw new Error("audit append returned nothing");
  return sealed;
}

export const GENESIS = GENESIS_CHAIN_HASH;
