import type { SettlementRecord, Usage } from "./budgets";
import { normalizeModelName } from "./model-names";
import { baseModelOf, costMicros, priceOf, type AppliedPrice, type SpendSettings } from "./prices";

/** A decision's reservation as the outcome's batch reads it under the org's lock (with its counters' names). */
export interface ReservationRow {
  keys: string[];
  model: string | null;
  price: AppliedPrice | null;
  tokens: number;
  micros: number;
  status: string;
  /** The counters it touched, with their budgets' names. */
  budgets: Array<{ key: string; name: string }>;
}

/** What settling an outcome writes: its record, the reservation closed, each counter's change, the action's and run's spend. */
export interface Settlement {
  record: SettlementRecord;
  /** The reservation leaves `reserved` / `charged` for `settled`. */
  closesReservation: boolean;
  /** Added to each of the reservation's counters (negative: released). */
  counters: { keys: string[]; reservedTokens: number; reservedMicros: number; spentTokens: number; spentMicros: number } | undefined;
  /** The action's `spend` column. */
  actionSpend: { model: string; tokens: number; micros: number | null; estimated?: true };
  tokens: number;
  micros: number;
}

/**
 * What an outcome's usage cost (docs/budgets.md), pure: the decision's reservation (if it made one)
 * leaves `reserved` and its actual cost joins `spent` on every counter it touched — once, as the
 * reservation is claimed `reserved → settled` — and the run's spend grows. A reservation the deadline
 * charged (no outcome had come) has that charge replaced by this usage; one given back because its
 * action was denied has no outcome to settle. With no usage reported, a reservation is settled at
 * what it projected (`estimated`). The price is the one the decision reserved at; a model the answer
 * names instead is priced at the decision's time. Undefined when there is nothing to settle.
 */
export function settleOutcome(args: { reservation: ReservationRow | undefined; usage: Usage | undefined; settings: SpendSettings; actionCreatedAt: Date }): Settlement | undefined {
  const { usage, reservation } = args;
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
  const price: AppliedPrice | undefined = samePrice ? reservedPrice : ((model ? priceOf(model, args.actionCreatedAt, args.settings) : undefined) ?? reservedPrice);
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
  const closes = Boolean(reservation && (open || charged));
  const counters =
    reservation && closes
      ? {
          keys: reservation.keys,
          reservedTokens: open ? -reservation.tokens : 0,
          reservedMicros: open ? -reservation.micros : 0,
          spentTokens: tokens - (charged ? reservation.tokens : 0),
          spentMicros: (micros ?? 0) - (charged ? reservation.micros : 0),
        }
      : undefined;
  const record: SettlementRecord = {
    model: model ?? "unknown",
    tokens,
    micros,
    ...(price ? { price } : {}),
    ...(estimated ? { estimated: true } : {}),
    ...(open && reservation ? { reserved: { tokens: reservation.tokens, micros: reservation.micros } } : {}),
    ...(charged && reservation ? { charged: { tokens: reservation.tokens, micros: reservation.micros } } : {}),
    ...(counters && reservation ? { budgets: reservation.budgets.filter((b) => reservation.keys.includes(b.key)) } : {}),
  };
  return {
    record,
    closesReservation: closes,
    counters,
    actionSpend: { model: model ?? "unknown", tokens, micros, ...(estimated ? { estimated: true as const } : {}) },
    tokens,
    micros: micros ?? 0,
  };
}
