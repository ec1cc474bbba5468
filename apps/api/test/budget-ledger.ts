import { db } from "@gatehouse/db";
import { expect } from "vitest";

// The budget ledger checked against the audit log (docs/budgets.md): every reservation, settlement and
// release is an entry, so the counters can be rebuilt from the log alone.

type Amount = { tokens: number; micros: number };
type Refs = Array<{ key: string; name: string }>;
/** The parts of an entry's data the ledger reads (core's schemas: reservation, spend, budget.released). */
export interface LedgerEntry {
  type: string;
  data: {
    reservation?: Amount & { model?: string; budgets: Refs; price?: Record<string, unknown>; unpriced?: boolean };
    spend?: { model: string; tokens: number; micros: number | null; reserved?: Amount; charged?: Amount; budgets?: Refs };
    usage?: Record<string, unknown>;
    tokens?: number;
    micros?: number;
    charged?: boolean;
    budgets?: Refs;
    [field: string]: unknown;
  };
}

/** Every entry of the org, as written (the suite checks each against its type's schema). */
export async function entriesOf(orgId: string): Promise<LedgerEntry[]> {
  const rows = await db().auditEntry.findMany({ where: { orgId }, orderBy: { seq: "asc" }, select: { canonical: true, type: true } });
  return rows.map((r) => JSON.parse(r.canonical) as LedgerEntry);
}

/** One entry by id, as written. */
export async function entryOf(id: string): Promise<LedgerEntry> {
  const row = await db().auditEntry.findUniqueOrThrow({ where: { id }, select: { canonical: true } });
  return JSON.parse(row.canonical) as LedgerEntry;
}

/**
 * The ledger rebuilt from the audit log alone: each key's reserved = reservations − settled − ended,
 * spent = settlements + deadline charges − the charges settlements replaced. It must equal the counters.
 */
export async function ledgerFromLog(orgId: string): Promise<Map<string, { reserved: number; spent: number; reservedMicros: number; spentMicros: number }>> {
  const ledger = new Map<string, { reserved: number; spent: number; reservedMicros: number; spentMicros: number }>();
  const at = (key: string) => {
    const row = ledger.get(key) ?? { reserved: 0, spent: 0, reservedMicros: 0, spentMicros: 0 };
    ledger.set(key, row);
    return row;
  };
  for (const entry of await entriesOf(orgId)) {
    const { reservation, spend } = entry.data;
    if (entry.type === "action.decided" && reservation)
      for (const b of reservation.budgets) {
        at(b.key).reserved += reservation.tokens;
        at(b.key).reservedMicros += reservation.micros;
      }
    if (entry.type === "action.outcome" && spend?.budgets)
      for (const b of spend.budgets) {
        at(b.key).spent += spend.tokens;
        at(b.key).spentMicros += spend.micros ?? 0;
        if (spend.reserved) {
          at(b.key).reserved -= spend.reserved.tokens;
          at(b.key).reservedMicros -= spend.reserved.micros;
        }
        if (spend.charged) {
          at(b.key).spent -= spend.charged.tokens;
          at(b.key).spentMicros -= spend.charged.micros;
        }
      }
    if (entry.type === "budget.released")
      for (const b of entry.data.budgets ?? []) {
        at(b.key).reserved -= entry.data.tokens ?? 0;
        at(b.key).reservedMicros -= entry.data.micros ?? 0;
        if (entry.data.charged) {
          at(b.key).spent += entry.data.tokens ?? 0;
          at(b.key).spentMicros += entry.data.micros ?? 0;
        }
      }
  }
  return ledger;
}

export async function expectLedgerMatchesLog(orgId: string): Promise<void> {
  const ledger = await ledgerFromLog(orgId);
  const rows = await db().pool.query<{ key: string; st: number; sm: number; rt: number; rm: number }>(
    `SELECT key, spent_tokens::float8 AS st, spent_micros::float8 AS sm, reserved_tokens::float8 AS rt, reserved_micros::float8 AS rm FROM budget_counters WHERE org_id = $1`,
    [orgId],
  );
  expect(rows.rows.length).toBeGreaterThan(0);
  for (const row of rows.rows) {
    expect({ key: row.key, ...ledger.get(row.key) }).toEqual({ key: row.key, reserved: row.rt, spent: row.st, reservedMicros: row.rm, spentMicros: row.sm });
  }
}
