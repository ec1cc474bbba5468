/** `gatehouse approvals …`: the org's approvals, and votes on them, with an admin key. */
import { grantCommand } from "./cli-grants.ts";
import type { Approval, ApprovalStatus } from "@gatehouse/sdk";
import { CONNECTION_OPTIONS, EXIT_FAILURE, EXIT_OK, noMore, printJson, shortTime, table, UsageError } from "./cli-common.ts";
import { defineCommand, type Command, type CommandGroup } from "./command.ts";

const LIST_HELP = `Usage: gatehouse approvals list [--status <status>] [--json]

Lists the org's approvals, newest first, one page at a time.

Options:
  --status <status>  pending (default), approved, denied, expired, cancelled or all
  --limit <n>        How many per page. Default: the server's
  --cursor <cursor>  The page after the one that printed it
  --json             Print the page as JSON ({ approvals, nextCursor })

${CONNECTION_OPTIONS}

Output: a table of ID, AGENT, ACTION, STATUS, QUORUM (approvals so far / needed) and EXPIRES. A
delegate's AGENT names the agents that delegated to it, root first:
reader-2 (delegated by build-agent > reader).
`;

function voteHelp(decision: "approve" | "deny"): string {
  const what =
    decision === "approve"
      ? "Votes to approve <id> as the key's member. Once enough members approve (the quorum), the\naction goes ahead and the agent waiting on it continues."
      : "Votes to deny <id> as the key's member. One deny decides: the approval is denied and the agent\nwaiting on it gets DENIED_BY_REVIEWER. Giving a reason is recommended; the agent sees it.";
  return `Usage: gatehouse approvals ${decision} <id> [<id>…] [--reason <text>]

${what}

With several ids, the same vote goes to each in one request (at most 1000): a line per id says
its status after the vote or why the vote was refused; the exit code is 1 if any was refused.

You cannot vote on an action you requested, vote twice, or vote on a decided or expired approval,
whichever way you vote (one id or several, any of your keys).

Options:
  --reason <text>    Why; recorded in the audit log with the vote

${CONNECTION_OPTIONS}
`;
}

const APPROVAL_STATUSES: ReadonlyArray<ApprovalStatus | "all"> = ["pending", "approved", "denied", "expired", "cancelled", "all"];

function isApprovalStatus(value: string): value is ApprovalStatus | "all" {
  return (APPROVAL_STATUSES as readonly string[]).includes(value);
}

/** The most ids one bulk vote takes (the API's limit). */
const MAX_BULK_VOTES = 1000;

const list = defineCommand({
  name: "list",
  summary: "List the org's approvals (pending ones by default)",
  options: { status: { type: "string" }, limit: { type: "string" }, cursor: { type: "string" }, json: { type: "boolean" } },
  connection: "admin",
  help: LIST_HELP,
  async run(io, args, options) {
    noMore(args);
    const status = options.status ?? "pending";
    if (!isApprovalStatus(status)) throw new UsageError(`--status must be one of ${APPROVAL_STATUSES.join(", ")}, not "${status}"`);
    const limitText = options.limit;
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a whole number ≥ 1, not "${limitText}"`);
    const page = await io.admin().approvals.list({ status, limit, cursor: options.cursor, signal: io.signal });
    if (options.json) return printJson(io.stdout, page);
    if (page.approvals.length === 0) {
      io.stdout(status === "all" ? "No approvals.\n" : `No ${status} approvals.\n`);
      return EXIT_OK;
    }
    const rows = page.approvals.map((a) => [a.id, requester(a), a.actionType, a.status, `${a.approvals}/${a.quorum}`, shortTime(a.expiresAt)]);
    io.stdout(table(["ID", "AGENT", "ACTION", "STATUS", "QUORUM", "EXPIRES"], rows));
    if (page.nextCursor !== null) {
      io.stdout(`More: gatehouse approvals list --status ${status}${limit === undefined ? "" : ` --limit ${limit}`} --cursor ${page.nextCursor}\n`);
    }
    return EXIT_OK;
  },
});

function voteCommand(decision: "approve" | "deny", summary: string): Command {
  return defineCommand({
    name: decision,
    synopsis: "<id>…",
    summary,
    options: { reason: { type: "string" } },
    connection: "admin",
    help: voteHelp(decision),
    async run(io, args, options) {
      const [id, ...more] = args;
      if (id === undefined) throw new UsageError(`approvals ${decision} needs an approval id: gatehouse approvals ${decision} <id> [<id>…]`);
      const voteOptions = { reason: options.reason, signal: io.signal };
      if (more.length === 0) {
        const admin = io.admin();
        const approval = decision === "approve" ? await admin.approvals.approve(id, voteOptions) : await admin.approvals.deny(id, voteOptions);
        io.stdout(`${describeVote(approval)}\n`);
        return EXIT_OK;
      }
      if (args.length > MAX_BULK_VOTES) throw new UsageError(`approvals ${decision} takes at most ${MAX_BULK_VOTES} ids at once, not ${args.length}`);
      // One vote on several approvals (POST /v1/admin/approvals/decision): a line per id; exit 1 if any vote was refused.
      const { results } = await io.admin().approvals.decideMany([...args], decision, voteOptions);
      let refused = 0;
      for (const result of results) {
        if ("error" in result) {
          refused += 1;
          io.stderr(`${result.approvalId}: refused (${result.error.code}): ${result.error.message}\n`);
        } else {
          io.stdout(`${result.approvalId}: ${result.status}\n`);
        }
      }
      if (refused > 0) io.stderr(`${refused} of ${results.length} votes refused.\n`);
      return refused > 0 ? EXIT_FAILURE : EXIT_OK;
    },
  });
}

export const approvalsGroup: CommandGroup = {
  name: "approvals",
  commands: [
    list,
    voteCommand("approve", "Vote to approve actions waiting for approval (several ids: one request)"),
    voteCommand("deny", "Vote to deny them (one deny decides)"),
    grantCommand,
  ],
};

/** The agent that asked; for a delegate, with the agents that delegated to it, root first: `reader-2 (delegated by build-agent > reader)`. */
function requester(approval: Approval): string {
  const agent = approval.agentName || approval.agentId;
  const above = approval.delegation?.chain.slice(0, -1) ?? [];
  return above.length === 0 ? agent : `${agent} (delegated by ${above.join(" > ")})`;
}

/** What the vote did, from the approval it answers. */
function describeVote(approval: Approval): string {
  const what = `${approval.actionType} by ${requester(approval)}`;
  const count = `${approval.approvals}/${approval.quorum} approvals`;
  switch (approval.status) {
    case "approved":
      return `Approved ${approval.id} (${what}, ${count}): the action goes ahead.`;
    case "pending":
      return `Vote recorded on ${approval.id} (${what}): ${count}, waiting for more.`;
    case "denied":
      return `Denied ${approval.id} (${what}).`;
    default:
      return `${approval.id} (${what}) is ${approval.status}.`;
  }
}
