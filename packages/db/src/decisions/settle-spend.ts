import { baseModelOf, costMicros, normalizeModelName, priceOf, type AppliedPrice, type SettlementRecord, type SpendSettings, type Usage } from "@gatehouse/core";
import type { Tx } from "../infra/client";

interface ReservationRow {
  keys: string[];
  model: string | null;
  price: AppliedPrice | null;
  tokens: number;
  micros: number;
  status: string;
}

/**
 * What an outcome's usage cost, settled in the outcome's transaction (docs/budgets.md): the
 * decision's reservation (if it made one) leaves `reserved` and its actual cost joins `spent` on every
 * counter it touched — once, as the reservation row is claimed `reserved → settled` — and the run's
 * spend grows. A reservation the deadline charged (no outcome had come) has that charge replaced by
 * this usage; one given back because its action was denied has no outcome to settle.
 * With no usage reported, a reservation is settled at what it projected (`estimated`). The price is
 * the one the decision reserved at; a model the answer names instead is priced at the decision's time.
 */
export async function settleSpend(
  tx: Tx,
  args: { orgId: string; action: { id: string; runId: string | null; createdAt: Date }; usage: Usage | undefined; settings: SpendSettings; now: Date },
): Promise<SettlementRecord | undefined> {
  const { usage, action } = args;
  // The org's log-head lock first, as the group commit takes it before it reserves (budget_counters,
  // runs): the same lock order everywhere, or a settlement and a decision would deadlock.
  await lockLogHead(tx, args.orgId);
  const [reservation] = await tx.$queryRaw<ReservationRow[]>`
    SELECT keys, model, price, tokens::float8 AS tokens, micros::float8 AS micros, status
    FROM budget_reservations WHERE action_id = ${action.id} AND org_id = ${args.orgId} FOR UPDATE`;
  if (!usage && !reservation) return undefined;
  const model = usage?.model ?? reservation?.model ?? null;
  if (!model && !reservation) return undefined;
  const reservedPrice = reservation?.price ?? undefined;
  // The same model however the usage writes it (normalizeModelName: case, a provider prefix, `:latest`; a snapshot of the priced model).
  const samePrice =
    reservedPrice &&
    model &&
    ((reservation?.model && normalizeModelName(model) === normalizeModelName(reservation.model)) || baseModelOf(model, (m) => m === reservedPrice.model) === reservedPrice.model);
  // A reported model nobody prices is counted at the reservation's price: usage never settles cheaper than declared by naming an unknown model.
  const price: AppliedPrice | undefined = samePrice ? reservedPrice : ((model ? priceOf(model, action.createdAt, args.settings) : undefined) ?? reservedPrice);
  const tokens = usage ? usage.inputTokens + usage.outputTokens : (reservation?.tokens ?? 0);
  const micros = usage
    ? price
      ? costMicros(price, { input: usage.inputTokens, output: usage.outputTokens, cacheRead: usage.cachedInputTokens ?? 0, cacheWrite: usage.cacheWriteTokens ?? 0 })
      : null
    : (reservation?.micros ?? 0);
  const estimated = !usage || usage.estimated === true;
  const open = reservation?.status === "reserved";
  // Charged at the deadline (no outcome had come): this usage replaces the charge.
  const charged = reservation?.status === "charged";
  let budgets: SettlementRecord["budgets"];
  if (reservation && (open || charged)) {
    await tx.$executeRaw`UPDATE budget_reservations SET status = 'settled', closed_at = ${args.now} WHERE action_id = ${action.id}`;
    const releaseTokens = open ? reservation.tokens : 0;
    const releaseMicros = open ? reservation.micros : 0;
    const unchargeTokens = charged ? reservation.tokens : 0;
    const unchargeMicros = charged ? reservation.micros : 0;
    budgets = await tx.$queryRaw<Array<{ key: string; name: string }>>`
      UPDATE budget_counters SET
        reserved_tokens = reserved_tokens - ${releaseTokens}::bigint,
        reserved_micros = reserved_micros - ${releaseMicros}::bigint,
        spent_tokens = spent_tokens + ${tokens}::bigint - ${unchargeTokens}::bigint,
        spent_micros = spent_micros + ${micros ?? 0}::bigint - ${unchargeMicros}::bigint,
        updated_at = ${args.now}
      WHERE key = ANY(${reservation.keys}::text[]) AND org_id = ${args.orgId}
      RETURNING key, name`;
  }
  await tx.$executeRaw`UPDATE actions SET spend = ${JSON.stringify({ model: model ?? "unknown", tokens, micros, ...(estimated ? { estimated: true } : {}) })}::jsonb WHERE id = ${action.id}`;
  if (action.runId) {
    await tx.$executeRaw`UPDATE runs SET spent_tokens = spent_tokens + ${tokens}::bigint, spent_micros = spent_micros + ${micros ?? 0}::bigint WHERE id = ${action.runId}`;
  }
  return {
    model: model ?? "unknown",
    tokens,
    micros,
    ...(price ? { price } : {}),
    ...(estimated ? { estimated: true } : {}),
    ...(open ? { reserved: { tokens: reservation.tokens, micros: reservation.micros } } : {}),
    ...(charged ? { charged: { tokens: reservation.tokens, micros: reservation.micros } } : {}),
    ...(budgets ? { budgets: budgets.map(({ key, name }) => ({ key, name })) } : {}),
  };
}

/** The org's log-head row lock (the group commit's, every audit append's): taken first by what also touches budget counters or runs. */
export async function lockLogHead(tx: Tx, orgId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM audit_log_heads WHERE org_id = ${orgId} FOR UPDATE`;
}
