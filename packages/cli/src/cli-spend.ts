/** How the CLI writes money and token counts (budgets, runs): the same few rules everywhere. */

/** US dollars: cents from a dollar up, two significant digits below it (a model call can cost $0.00041); `$0` for nothing. */
export function usd(amount: number): string {
  if (amount === 0) return "$0";
  return `$${Math.abs(amount) >= 1 ? amount.toFixed(2) : amount.toPrecision(2)}`;
}

/** A price per million tokens: at least cents, up to four decimals, no trailing zeros beyond the cents (`$2.50`, `$0.075`). */
export function price(amount: number | undefined): string {
  if (amount === undefined) return "-";
  return `$${amount.toFixed(4).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
}

/** A token count with thousands separators. */
export function tokens(count: number): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "token" : "tokens"}`;
}

/** What was spent: dollars and tokens, `-` for nothing. */
export function spend(amount: { tokens: number; usd: number }): string {
  if (amount.tokens === 0 && amount.usd === 0) return "-";
  return `${usd(amount.usd)}, ${tokens(amount.tokens)}`;
}
