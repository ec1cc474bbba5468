import type { z } from "zod";
import type { priceListSchema } from "@gatehouse/contracts";
import { MODEL_PRICES, PRICE_TABLE_VERSION, spendSettings } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";

/** The built-in price table (every entry, each marked whether it is in force now) and the org's own prices. */
export async function listPrices({ ctx, now = Date.now() }: { ctx: Ctx; now?: number }): Promise<z.output<typeof priceListSchema>> {
  const settings = spendSettings(await orgSettingsSnapshot(ctx.org.id));
  const today = new Date(now).toISOString().slice(0, 10);
  const current = new Map<string, string>();
  for (const p of MODEL_PRICES) {
    const key = `${p.model}\u0000${p.tier}`;
    const seen = current.get(key);
    if (p.effectiveFrom <= today && (!seen || p.effectiveFrom > seen)) current.set(key, p.effectiveFrom);
  }
  return {
    version: PRICE_TABLE_VERSION,
    models: MODEL_PRICES.map((p) => ({ ...p, current: current.get(`${p.model}\u0000${p.tier}`) === p.effectiveFrom })),
    overrides: settings.priceOverrides,
  };
}
