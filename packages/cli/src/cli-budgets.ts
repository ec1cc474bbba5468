/** `gatehouse budgets …`: what the org's budgets have spent and hold in reserve, and the prices model calls are counted at (docs/budgets.md). */
import { GatehouseAdmin, type Budget, type PriceList } from "@gatehouse/sdk";
import { anyKeyConnectionOptions, EXIT_OK, noMore, printJson, shortTime, table, UsageError, withConnection } from "./cli-common.ts";
import { price, spend, tokens, usd } from "./cli-spend.ts";
import { defineCommand, type CommandGroup } from "./command.ts";

type Limit = NonNullable<Budget["limit"]>;

/** An amount in the units the limit counts (dollars, tokens or both); both without a limit. */
function inLimitUnits(limit: Budget["limit"], amount: { tokens: number; usd: number }): string {
  if (limit === null) return spend(amount);
  const parts = [limit.usd === undefined ? undefined : usd(amount.usd), limit.tokens === undefined ? undefined : tokens(amount.tokens)];
  return parts.filter((part) => part !== undefined).join(", ") || "-";
}

function limitText(limit: Limit): string {
  return [limit.usd === undefined ? undefined : usd(limit.usd), limit.tokens === undefined ? undefined : tokens(limit.tokens)].filter((part) => part !== undefined).join(", ");
}

/** How much of the limit is spent or held, in the unit nearest to it: a call over it is refused (or waits for a person). */
function used(b: Budget): string {
  if (b.limit === null) return "-";
  const shares = [
    b.limit.usd === undefined || b.limit.usd === 0 ? undefined : (b.spent.usd + b.reserved.usd) / b.limit.usd,
    b.limit.tokens === undefined || b.limit.tokens === 0 ? undefined : (b.spent.tokens + b.reserved.tokens) / b.limit.tokens,
  ].filter((share) => share !== undefined);
  return shares.length === 0 ? "-" : `${Math.round(Math.max(...shares) * 100)}%`;
}

function budgetRow(b: Budget): string[] {
  const counted = [b.agentName ?? b.agentId, b.runId, b.model].filter((part) => part !== null).join(" ");
  return [
    b.name,
    b.per,
    b.period,
    counted || "-",
    inLimitUnits(b.limit, b.spent),
    inLimitUnits(b.limit, b.reserved),
    b.limit === null ? "(none now)" : limitText(b.limit),
    used(b),
    shortTime(b.updatedAt),
  ];
}

function whole(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

const LIST_HELP = withConnection(`Usage: gatehouse budgets list [--limit <n>] [--json]

Lists each budget's count for its period (a run, an agent's UTC day, the org's UTC month, a pot's
month), the most recently touched first, over the last 62 days: NAME (its pot's, else its policy's),
PER, PERIOD, FOR (the agent, run or model it counts), SPENT (settled by outcomes), RESERVED (held for
calls waiting for their outcome), LIMIT (as its policy states it now; none when the policy no longer
states one) and USED (spent and reserved, as a share of the limit). Amounts are in the limit's units.
Needs posture.read (owners, admins, auditors).

Options:
  --limit <n>        How many counts (1-200). Default: 100
  --json             Print the answer as JSON ({ budgets })`);

const PRICES_HELP = `Usage: gatehouse budgets prices [--model <text>] [--all] [--json]

Prints the prices model calls are counted at, in US dollars per million tokens: the built-in table
(provider, model, service tier, input, output, cache read and write, the UTC day each took effect) and
the org's own prices, which win (settings spend.priceOverrides; * prices every model nobody else does).

Options:
  --model <text>     Only models whose name contains <text>
  --all              Also the older entries (a call is priced by the entry in force at its time)
  --json             Print the answer as JSON, with the same models left out

${anyKeyConnectionOptions("the org's prices", "org's prices as well")}
`;

export const budgetsGroup: CommandGroup = {
  name: "budgets",
  notes: `A budget is stated by a policy's budget (or the settings' budgets) and counts the model calls it
matches; a call that would go over it is denied (BUDGET_EXCEEDED) or waits for a person. docs/budgets.md.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List the budgets' counts: spent, reserved, limit",
      options: { limit: { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: LIST_HELP,
      async run(io, args, options) {
        noMore(args);
        const limit = whole(options.limit, "limit", 1, 200);
        const answer = await io.admin().budgets.list({ ...(limit === undefined ? {} : { limit }), signal: io.signal });
        if (options.json) return printJson(io.stdout, answer);
        io.stdout(
          answer.budgets.length === 0
            ? "No budget has counted a call in the last 62 days.\n"
            : table(["NAME", "PER", "PERIOD", "FOR", "SPENT", "RESERVED", "LIMIT", "USED", "UPDATED"], answer.budgets.map(budgetRow)),
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "prices",
      summary: "Print the prices model calls are counted at, and the org's own",
      options: { model: { type: "string" }, all: { type: "boolean" }, json: { type: "boolean" } },
      connection: "any",
      help: PRICES_HELP,
      async run(io, args, options) {
        noMore(args);
        const model = options.model?.toLowerCase();
        const client = io.client();
        const list = client instanceof GatehouseAdmin ? await client.budgets.prices({ signal: io.signal }) : await client.prices({ signal: io.signal });
        const shown: PriceList = {
          ...list,
          models: list.models.filter((m) => (options.all || m.current) && (model === undefined || m.model.toLowerCase().includes(model))),
          overrides: list.overrides.filter((o) => model === undefined || o.model === "*" || o.model.toLowerCase().includes(model)),
        };
        if (options.json) return printJson(io.stdout, shown);
        io.stdout(formatPrices(shown, options.model));
        return EXIT_OK;
      },
    }),
  ],
};

function formatPrices(list: PriceList, model: string | undefined): string {
  const parts = [`Prices in US dollars per million tokens (built-in table ${list.version}; the org's own win).\n`];
  parts.push(
    list.models.length === 0
      ? `No model${model === undefined ? "" : ` whose name contains "${model}"`} in the table.\n`
      : table(
          ["PROVIDER", "MODEL", "TIER", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "SINCE", ...(list.models.some((m) => !m.current) ? ["CURRENT"] : [])],
          list.models.map((m) => [
            m.provider,
            m.model,
            m.tier,
            price(m.input),
            price(m.output),
            price(m.cacheRead),
            price(m.cacheWrite),
            m.effectiveFrom,
            ...(list.models.some((x) => !x.current) ? [m.current ? "yes" : "no"] : []),
          ]),
        ),
  );
  parts.push(
    list.overrides.length === 0
      ? "\nThe org has no prices of its own (settings spend.priceOverrides).\n"
      : `\nThe org's own prices:\n${table(
          ["MODEL", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE"],
          list.overrides.map((o) => [o.model, price(o.input), price(o.output), price(o.cacheRead), price(o.cacheWrite)]),
        )}`,
  );
  return parts.join("");
}
