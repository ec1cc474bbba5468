/** `admin.budgets`: the org's budget counts and the prices model calls are counted at (docs/budgets.md). */
import { query, request, type TransportConfig } from "../request.ts";
import type { Budget, PriceList, RequestOptions } from "../types.ts";

/** Budgets (docs/budgets.md): what each has spent and holds in reserve; for members with `posture.read`. */
export interface AdminBudgets {
  /** Each budget's count for its period, the most recently touched first, with the limit its policy states now. */
  list(options?: RequestOptions & { limit?: number }): Promise<{ budgets: Budget[] }>;
  /** The prices model calls are counted at, and the org's own (set them with `settings.update({ spend: { priceOverrides } })`). */
  prices(options?: RequestOptions): Promise<PriceList>;
}

export function createAdminBudgets(config: TransportConfig): AdminBudgets {
  return {
    list: (options = {}) =>
      request<{ budgets: Budget[] }>(config, {
        method: "GET",
        path: `/v1/budgets${query({ limit: options.limit === undefined ? undefined : String(options.limit) })}`,
        signal: options.signal,
      }),
    prices: (options = {}) => request<PriceList>(config, { method: "GET", path: "/v1/prices", signal: options.signal }),
  };
}
