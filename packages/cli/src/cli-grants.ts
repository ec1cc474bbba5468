/** `gatehouse approvals grant …` and `gatehouse grants …`: standing grants (docs/approvals.md), with an admin key. */
import type { StandingGrant } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, table, UsageError, withConnection } from "./cli-common.ts";
import { defineCommand, type CommandGroup } from "./command.ts";

/** `key=value` pairs as a match object: values that read as JSON (numbers, true, "…") are taken as JSON, the rest as text. */
export function matchOf(pairs: readonly string[]): Record<string, unknown> {
  const match: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--match takes key=value, not "${pair}"`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    match[pair.slice(0, at)] = value;
  }
  return match;
}

function whole(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

export const grantCommand = defineCommand({
  name: "grant",
  synopsis: "<approval-id> --minutes <n> [--uses <n>] [--match key=value … | --any-arguments]",
  summary: "Approve, and let the agent's matching calls of the same action through for a while",
  options: {
    minutes: { type: "string" },
    uses: { type: "string" },
    match: { type: "string", multiple: true },
    "any-arguments": { type: "boolean" },
    reason: { type: "string" },
    json: { type: "boolean" },
  },
  connection: "admin",
  help: withConnection(`Usage: gatehouse approvals grant <approval-id> --minutes <n> [--uses <n>] [--match key=value … | --any-arguments] [--reason <text>] [--json]

Approves the request with your vote and grants the same action, for the same agent, for the next
--minutes (and at most --uses calls), to calls whose metadata holds every --match pair (the request's
own metadata without --match). A grant must name arguments: --any-arguments says, explicitly, that any
arguments will do, for at most 10 calls. The org's settings bound both; a policy marked humanEachTime,
an approval needing two votes, or one you could not approve alone cannot be granted, and a grant covers
only later calls you alone could approve (it ends if you leave the org or your role changes).`),
  async run(io, args, options) {
    const [id, ...extra] = args;
    if (id === undefined) throw new UsageError("approvals grant needs an approval id: gatehouse approvals grant <approval-id> --minutes <n>");
    noMore(extra);
    const minutes = whole(options.minutes, "minutes", 1, 10_080);
    if (minutes === undefined) throw new UsageError("approvals grant needs --minutes: how long the grant lasts");
    const uses = whole(options.uses, "uses", 1, 10_000);
    const match = options.match && options.match.length > 0 ? matchOf(options.match) : undefined;
    const granted = await io.admin().approvals.grant(
      id,
      {
        durationSeconds: minutes * 60,
        ...(uses === undefined ? {} : { uses }),
        ...(match ? { match } : {}),
        ...(options["any-arguments"] ? { anyArguments: true } : {}),
        ...(options.reason ? { reason: options.reason } : {}),
      },
      { signal: io.signal },
    );
    if (options.json) return printJson(io.stdout, granted);
    const g = granted.grant;
    io.stdout(
      `Approved ${id}; granted ${g.id}: ${g.actionType} by ${g.agentName}, ${g.anyArguments ? "with ANY arguments" : `matching ${JSON.stringify(g.match)}`}, until ${shortTime(g.expiresAt)}, at most ${g.maxUses} calls.\n`,
    );
    return EXIT_OK;
  },
});

function grantRow(g: StandingGrant): string[] {
  return [
    g.id,
    g.agentName,
    g.actionType,
    g.anyArguments ? "(any arguments)" : JSON.stringify(g.match),
    `${g.uses}/${g.maxUses}`,
    shortTime(g.expiresAt),
    g.status,
    g.grantedBy.email,
  ];
}

export const grantsGroup: CommandGroup = {
  name: "grants",
  notes: "A standing grant lets an agent's calls of one action, with matching arguments, through without a person until it expires, is used up or revoked.",
  commands: [
    defineCommand({
      name: "list",
      summary: "List standing grants (the live ones, or --all)",
      options: { all: { type: "boolean" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse grants list [--all] [--json]\n\nLists the org's live standing grants (with --all, also revoked, expired and used-up ones), newest first.",
      ),
      async run(io, args, options) {
        noMore(args);
        const grants = await io.admin().grants.list({ status: options.all ? "all" : "active", signal: io.signal });
        if (options.json) return printJson(io.stdout, { grants });
        io.stdout(grants.length === 0 ? "No standing grants.\n" : table(["ID", "AGENT", "ACTION", "MATCH", "USES", "UNTIL", "STATUS", "GRANTED BY"], grants.map(grantRow)));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "revoke",
      synopsis: "<id>",
      summary: "Revoke a standing grant at once",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse grants revoke <grant-id>\n\nRevokes a grant (grt_…): the next call it would have covered waits for a person again."),
      async run(io, args) {
        const [id, ...extra] = args;
        if (id === undefined) throw new UsageError("grants revoke needs a grant id: gatehouse grants revoke <grant-id>");
        noMore(extra);
        const revoked = await io.admin().grants.revoke(id, { signal: io.signal });
        io.stdout(`Revoked ${revoked.id} (${revoked.actionType} by ${revoked.agentName}); it was used ${revoked.uses} of ${revoked.maxUses} times.\n`);
        return EXIT_OK;
      },
    }),
  ],
};
