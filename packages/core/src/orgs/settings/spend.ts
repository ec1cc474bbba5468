import { normalizeModelName } from "../../spend/model-names";
import { spendSettings, spendSettingsSchema, type OrgModelPrice } from "../../spend/prices";
import { groupSetting, lowered } from "./setting";

/** An org price added, removed (the model falls back to the table, or to nothing) or lowered: money budgets may let more through. */
function pricesWeaken(before: readonly OrgModelPrice[], after: readonly OrgModelPrice[]): boolean {
  const rates = (p: OrgModelPrice) => [p.input, p.output, p.cacheRead ?? p.input, p.cacheWrite ?? p.input];
  const key = (p: OrgModelPrice) => (p.model === "*" ? "*" : normalizeModelName(p.model));
  const old = new Map(before.map((p) => [key(p), p]));
  const now = new Map(after.map((p) => [key(p), p]));
  for (const [model, price] of now) {
    const was = old.get(model);
    if (!was) return true;
    const a = rates(was);
    if (rates(price).some((rate, i) => rate < (a[i] as number))) return true;
  }
  return [...old.keys()].some((model) => !now.has(model));
}

/** `spend`: the org's own model prices and how long a reservation waits for its outcome (docs/budgets.md). */
export const spendSetting = groupSetting(spendSettingsSchema, {
  read: spendSettings,
  describe:
    "Model spend (docs/budgets.md): the org's own prices (USD per million tokens; `*` prices every model nobody else does) and how long a reservation waits for its outcome (3600 s unless changed).",
  describeChange:
    "`priceOverrides` (the whole list, replaced: at most 200, one per model), `reservationSeconds` (60 to 604800). Adding, removing or lowering a price weakens enforcement.",
  rules: {
    priceOverrides: { weakens: pricesWeaken, weakening: "an org price added, removed or lowered: model calls may count for less against money budgets" },
    // How long a reservation waits for its outcome: a shorter wait frees a denied call's hold sooner and
    // charges a silent call's sooner, but also ends a long stream's reservation while it still runs.
    reservationSeconds: lowered("lowered: a reservation is ended sooner, while a long model call may still be running"),
  },
});
