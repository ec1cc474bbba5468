/**
 * `gatehouse runs …`: an agent's calls for one piece of work (docs/runs.md), as the console's Runs page
 * shows them: the list, one run's timeline, following a run until it ends, and ending one (its agent's key).
 */
import { GatehouseAdmin, type Run, type RunDetail, type RunEndStatus, type RunStatus, type RunTimelineItem } from "@gatehouse/sdk";
import { anyKeyConnectionOptions, EXIT_FAILURE, EXIT_OK, noMore, printJson, shortTime, table, UsageError } from "./cli-common.ts";
import { spend, usd } from "./cli-spend.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";

/** Every run status, with what it means (the compiler holds the list to the API's). */
const RUN_STATUSES = {
  running: "a call within the last 30 minutes",
  waiting: "an approval of the run is pending",
  idle: "no call for 30 minutes and nothing pending",
  completed: "ended by its agent: completed",
  failed: "ended by its agent: failed",
  cancelled: "ended by its agent: cancelled",
} as const satisfies Record<RunStatus, string>;

const END_STATUSES = ["completed", "failed", "cancelled"] as const satisfies readonly RunEndStatus[];

const isEnded = (status: RunStatus): boolean => (END_STATUSES as readonly string[]).includes(status);

const CONNECTION = anyKeyConnectionOptions("the org's runs", "agent's runs");

/** `12s`, `3m 12s`, `1h 5m`, `2d 3h`. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function runRow(r: Run): string[] {
  return [
    r.id,
    r.name ?? r.runId,
    r.agentName,
    r.status,
    shortTime(r.startedAt),
    duration(r.durationMs),
    String(r.decisions.total),
    String(r.decisions.denied),
    String(r.pendingApprovals),
    spend(r.spend),
  ];
}

/** The run as a few lines: who, its status, its counts and what it cost. */
function describeRun(r: Run): string {
  const d = r.decisions;
  return [
    `${r.id}  ${r.name === null ? r.runId : `${r.name} (runId ${r.runId})`}`,
    `Agent ${r.agentName} (${r.agentId}); ${r.status}: ${RUN_STATUSES[r.status]}`,
    `Started ${shortTime(r.startedAt)}, last activity ${shortTime(r.lastActivityAt)}${r.endedAt === null ? "" : `, ended ${shortTime(r.endedAt)}`} (${duration(r.durationMs)})`,
    `Decisions: ${d.total} (${d.executed} executed, ${d.denied} denied, ${d.requested} held for approval); pending approvals: ${r.pendingApprovals}; spend: ${spend(r.spend)}`,
    "",
  ].join("\n");
}

/** One timeline item on one line: time, what, action, status, then its facts (`agent=`, `policy=`, `denial=`, votes, spend). */
export function formatItem(item: RunTimelineItem): string {
  const facts: string[] = [];
  switch (item.type) {
    case "decision":
      facts.push(`agent=${item.agentName}`);
      if (item.policyName !== undefined) facts.push(`policy=${item.policyName}`);
      if (item.denialReason !== undefined) facts.push(`denial=${item.denialReason}`);
      break;
    case "approval":
      facts.push(`approval=${item.approvalId}`);
      for (const vote of item.votes) facts.push(`${vote.decision}=${vote.member.email}${vote.reason === null ? "" : ` reason=${JSON.stringify(vote.reason)}`}`);
      break;
    case "outcome":
      if (item.spend !== undefined) {
        const cost = item.spend.usd === null ? "unpriced" : usd(item.spend.usd);
        facts.push(`model=${item.spend.model} tokens=${item.spend.tokens} cost=${cost}${item.spend.estimated ? " (estimated)" : ""}`);
      }
      if (item.message !== null) facts.push(`message=${JSON.stringify(item.message)}`);
      break;
    case "ended":
      break;
  }
  const action = item.type === "ended" ? "-" : item.actionType;
  return `${[shortTime(item.at), item.type, action, item.status, ...facts].join("  ")}\n`;
}

/** What identifies an item as the timeline grows: an approval is printed again when its status changes. */
function itemKey(item: RunTimelineItem): string {
  switch (item.type) {
    case "decision":
    case "outcome":
      return `${item.type}:${item.auditEventId}`;
    case "approval":
      return `approval:${item.approvalId}:${item.status}`;
    case "ended":
      return `ended:${item.at}:${item.status}`;
  }
}

const TRUNCATED = "(older decisions are left out: a run's timeline holds its newest 500)\n";

/** The run, by its id (`run_…`), or for an agent's key also by the runId it chose. */
function getRun(io: CliIo, id: string): Promise<RunDetail> {
  const client = io.client();
  return client instanceof GatehouseAdmin ? client.runs.get(id, { signal: io.signal }) : client.getRun(id, { signal: io.signal });
}

function runArgument(args: readonly string[], command: string): string {
  const [id, ...extra] = args;
  if (id === undefined) throw new UsageError(`runs ${command} needs a run: gatehouse runs ${command} <run_…>`);
  noMore(extra);
  return id;
}

function whole(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

const LIST_HELP = `Usage: gatehouse runs list [--status <status>] [--agent <agt_…>] [--limit <n>] [--cursor <cursor>] [--json]

Lists runs, the most recently active first, one page at a time: ID, NAME (else the runId its agent
chose), AGENT, STATUS, STARTED, DURATION, DECISIONS, DENIED, PENDING (approvals) and SPEND.

Options:
  --status <status>  Only runs with this status: ${Object.keys(RUN_STATUSES).join(", ")}
  --agent <agt_…>    Only this agent's runs (started by it, or rooted at it); admin keys only
  --limit <n>        How many per page (1-100). Default: 50
  --cursor <cursor>  The page after the one that printed it
  --json             Print the page as JSON ({ runs, nextCursor })

${CONNECTION}
`;

const SHOW_HELP = `Usage: gatehouse runs show <run> [--json]

Prints a run (run_…; an agent's key may name it by the runId it chose): its agent, status, counts and
spend, then its timeline, oldest first, one line each: each decision with its policy and denial
reason, each approval with who voted and why, each outcome with its model call's tokens and cost,
and its end.

Options:
  --json             Print the answer as JSON ({ run, timeline, truncated })

${CONNECTION}
`;

const FOLLOW_HELP = `Usage: gatehouse runs follow <run> [--interval <seconds>] [--json]

Prints a run's timeline as runs show does, then each new line as it happens (decisions, votes,
outcomes), until its agent ends it or Ctrl-C. The run is read again every --interval seconds; a
change of status (waiting for an approval, idle) is said on stderr. An idle run is followed on: a
call naming it picks it up again.

Options:
  --interval <s>     Seconds between reads (1-300). Default: 2
  --json             One JSON object per timeline item and line, as the API answers them

${CONNECTION}

Exit status: 0 the run completed (or Ctrl-C), 1 it failed or was cancelled, or a call failed; 2 the
command line was wrong.
`;

const END_HELP = `Usage: gatehouse runs end <run> [--status completed|failed|cancelled] [--json]

Ends a run as completed (the default), failed or cancelled, recorded as a run.ended entry of the audit
log. Only the run's root agent, or the agent that started it, may: this takes that agent's key (gh_…),
and names the run by its run_… id or the runId the agent chose. Ending it again with the same status
changes nothing; a later call naming its runId picks it up again.

Options:
  --status <status>  completed (default), failed or cancelled
  --json             Print the run as it now stands, as JSON

Connection:
  --api-key <key>    The agent's key (gh_…). Default: $GATEHOUSE_API_KEY, else gatehouse login's
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else gatehouse
                     login's, else http://localhost:4000
`;

export const runsGroup: CommandGroup = {
  name: "runs",
  notes: `A run groups an agent's calls for one piece of work under the runId the agent chose (docs/runs.md).
An admin key sees the org's runs, an agent's key its own.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List runs, the most recently active first",
      options: { status: { type: "string" }, agent: { type: "string" }, limit: { type: "string" }, cursor: { type: "string" }, json: { type: "boolean" } },
      connection: "any",
      help: LIST_HELP,
      async run(io, args, options) {
        noMore(args);
        const status = options.status;
        if (status !== undefined && !Object.hasOwn(RUN_STATUSES, status)) throw new UsageError(`--status must be one of ${Object.keys(RUN_STATUSES).join(", ")}, not "${status}"`);
        const limit = whole(options.limit, "limit", 1, 100);
        const client = io.client();
        const filters = { ...(status === undefined ? {} : { status: status as RunStatus }), ...(limit === undefined ? {} : { limit }), cursor: options.cursor, signal: io.signal };
        let page: { runs: Run[]; nextCursor: string | null };
        if (client instanceof GatehouseAdmin) page = await client.runs.list({ ...filters, ...(options.agent === undefined ? {} : { agentId: options.agent }) });
        else if (options.agent !== undefined) throw new UsageError("--agent takes an admin key: an agent's key lists its own runs");
        else page = await client.runs(filters);
        if (options.json) return printJson(io.stdout, page);
        io.stdout(
          page.runs.length === 0
            ? `No ${status === undefined ? "" : `${status} `}runs.\n`
            : table(["ID", "NAME", "AGENT", "STATUS", "STARTED", "DURATION", "DECISIONS", "DENIED", "PENDING", "SPEND"], page.runs.map(runRow)),
        );
        if (page.nextCursor !== null) {
          const again = [
            status === undefined ? "" : ` --status ${status}`,
            options.agent === undefined ? "" : ` --agent ${options.agent}`,
            limit === undefined ? "" : ` --limit ${limit}`,
          ].join("");
          io.stdout(`More: gatehouse runs list${again} --cursor ${page.nextCursor}\n`);
        }
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "show",
      synopsis: "<run>",
      summary: "Print a run and its timeline: decisions, votes, outcomes, its end",
      options: { json: { type: "boolean" } },
      connection: "any",
      help: SHOW_HELP,
      async run(io, args, options) {
        const detail = await getRun(io, runArgument(args, "show"));
        if (options.json) return printJson(io.stdout, detail);
        io.stdout(`${describeRun(detail.run)}\n${detail.truncated ? TRUNCATED : ""}${detail.timeline.map(formatItem).join("") || "No decisions yet.\n"}`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "follow",
      synopsis: "<run>",
      summary: "Print a run's timeline as it grows, until the run ends",
      options: { interval: { type: "string" }, json: { type: "boolean" } },
      connection: "any",
      help: FOLLOW_HELP,
      async run(io, args, options) {
        const id = runArgument(args, "follow");
        const intervalMs = (whole(options.interval, "interval", 1, 300) ?? 2) * 1000;
        try {
          return await follow(io, id, intervalMs, options.json);
        } catch (error) {
          // Ctrl-C while a read is in flight: the user stopped following, nothing failed.
          if (io.signal?.aborted) return EXIT_OK;
          throw error;
        }
      },
    }),
    defineCommand({
      name: "end",
      synopsis: "<run> [--status <status>]",
      summary: "End a run (completed, failed or cancelled), with its agent's key",
      options: { status: { type: "string" }, json: { type: "boolean" } },
      connection: "any",
      help: END_HELP,
      async run(io, args, options) {
        const id = runArgument(args, "end");
        const status = options.status ?? "completed";
        if (!(END_STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${END_STATUSES.join(", ")}, not "${status}"`);
        const client = io.client();
        if (client instanceof GatehouseAdmin) {
          throw new UsageError("runs end takes the agent's key (gh_…): a run is ended by its root agent or the agent that started it, not by an admin key");
        }
        const run = await client.endRun(id, status as RunEndStatus, { signal: io.signal });
        if (options.json) return printJson(io.stdout, run);
        io.stdout(`Ended ${run.id} (${run.name ?? run.runId}): ${run.status}, after ${duration(run.durationMs)} and ${run.decisions.total} decisions.\n`);
        return EXIT_OK;
      },
    }),
  ],
};

/** Reads the run every `intervalMs`, printing what its timeline gained, until it ends (exit 0 completed, 1 failed or cancelled) or the signal aborts (0). */
async function follow(io: CliIo, id: string, intervalMs: number, json: boolean): Promise<number> {
  const seen = new Set<string>();
  let status: RunStatus | undefined;
  io.stderr(`Following ${id} (Ctrl-C to stop)…\n`);
  for (;;) {
    const detail = await getRun(io, id);
    if (status === undefined && !json) io.stdout(`${describeRun(detail.run)}\n${detail.truncated ? TRUNCATED : ""}`);
    for (const item of detail.timeline) {
      const key = itemKey(item);
      if (seen.has(key)) continue;
      seen.add(key);
      io.stdout(json ? `${JSON.stringify(item)}\n` : formatItem(item));
    }
    // A change of status is said as it happens; the end is said once, below.
    if (status !== undefined && detail.run.status !== status && !isEnded(detail.run.status))
      io.stderr(`${detail.run.id} is ${detail.run.status}: ${RUN_STATUSES[detail.run.status]}.\n`);
    status = detail.run.status;
    if (isEnded(status)) {
      io.stderr(`${detail.run.id} ended ${status} after ${duration(detail.run.durationMs)}: ${detail.run.decisions.total} decisions, spend ${spend(detail.run.spend)}.\n`);
      return status === "completed" ? EXIT_OK : EXIT_FAILURE;
    }
    await io.sleep(intervalMs, io.signal);
    if (io.signal?.aborted) return EXIT_OK;
  }
}
