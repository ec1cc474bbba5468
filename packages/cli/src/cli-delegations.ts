/** `gatehouse delegations …`: agents' delegation trees, and revoking a delegation with its subtree, with an admin key. */
import { Gatehouse, type Agent, type DelegationTree } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, UsageError, withConnection } from "./cli-common.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";

const LIST_HELP = `Usage: gatehouse delegations list [--agent <agent-id>] [--json]

Prints the delegation tree below an agent (agt_…), every depth, revoked and expired delegations
included, each under the one that made it, indented:

  agt_1 (build-agent)
    dlg_1  reader  agt_7  pr.read,pr.comment  active until 2026-11-22T13:00:00Z
      dlg_2  reader.lint  agt_8  pr.read  revoked 2026-11-22T12:10:00Z

Without --agent, the tree of every agent of the org that has delegations (an agent that is itself
a delegate shows inside its root's tree).

Options:
  --agent <agent-id>   Only this agent's tree
  --json               The tree as JSON ({ agentId, delegations }); without --agent, { trees: [...] }`;

const REVOKE_HELP = `Usage: gatehouse delegations revoke <delegation-id>

Revokes a delegation (dlg_…) and, in the same transaction, every delegation below it: their keys
stop working at their next call on every instance, and their pending approvals are cancelled.
Prints how many were revoked. Revoking a revoked delegation is harmless (nothing more is revoked).
Owners and admins only.`;

/** How many agents' trees are fetched at once by `list` without --agent. */
const TREE_CONCURRENCY = 4;

export const delegationsGroup: CommandGroup = {
  name: "delegations",
  notes: `An agent hands a narrower, short-lived part of its authority to a sub-agent (a delegate) with the
SDK's delegate(); delegates may delegate further. Every member may list; revoking needs the role
owner or admin.`,
  commands: [
    defineCommand({
      name: "list",
      synopsis: "[--agent <id>]",
      summary: "Print agents' delegation trees, indented",
      options: { agent: { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(LIST_HELP),
      run(io, args, options) {
        noMore(args);
        return options.agent === undefined ? listAll(io, options.json) : listOne(io, options.agent, options.json);
      },
    }),
    defineCommand({
      name: "revoke",
      synopsis: "<id>",
      summary: "Revoke a delegation and every delegation below it",
      options: {},
      connection: "admin",
      help: withConnection(REVOKE_HELP),
      async run(io, args) {
        const [id, ...extra] = args;
        if (id === undefined) throw new UsageError("delegations revoke needs a delegation id: gatehouse delegations revoke <delegation-id>");
        noMore(extra);
        const { revoked } = await io.admin().delegations.revoke(id, { signal: io.signal });
        io.stdout(revokedLine(id, revoked));
        return EXIT_OK;
      },
    }),
  ],
};

function revokedLine(id: string, revoked: readonly string[]): string {
  if (revoked.length === 0) return `Nothing to revoke: ${id} was revoked already.\n`;
  const below = revoked.filter((other) => other !== id).length;
  const tail = below === 0 ? "" : below === 1 ? " and 1 delegation below it" : ` and ${below} delegations below it`;
  return `Revoked ${id}${tail}: their keys no longer work.\n`;
}

async function listOne(io: CliIo, agentId: string, json: boolean): Promise<number> {
  const tree = await io.admin().delegations.tree(agentId, { signal: io.signal });
  if (json) return printJson(io.stdout, tree);
  io.stdout(tree.delegations.length === 0 ? `No delegations below ${agentId}.\n` : formatTree(tree, undefined, io.now()));
  return EXIT_OK;
}

async function listAll(io: CliIo, json: boolean): Promise<number> {
  const admin = io.admin();
  const agents = await admin.agents.list({ signal: io.signal });
  const settled = await Gatehouse.parallel(
    agents.map((agent) => () => admin.delegations.tree(agent.id, { signal: io.signal })),
    { concurrency: TREE_CONCURRENCY },
  );
  const trees: DelegationTree[] = [];
  for (const result of settled) {
    if (result.status === "rejected") throw result.reason;
    if (result.value.delegations.length > 0) trees.push(result.value);
  }
  // A delegate's own tree is part of its root's: show each delegation once, under its root.
  const delegates = new Set(trees.flatMap((tree) => tree.delegations.map((d) => d.childAgentId)));
  const roots = trees.filter((tree) => !delegates.has(tree.agentId));
  if (json) return printJson(io.stdout, { trees: roots });
  if (roots.length === 0) {
    io.stdout("No delegations.\n");
    return EXIT_OK;
  }
  const names = new Map(agents.map((agent: Agent) => [agent.id, agent.name]));
  io.stdout(roots.map((tree) => formatTree(tree, names.get(tree.agentId), io.now())).join("\n"));
  return EXIT_OK;
}

type Link = DelegationTree["delegations"][number];

/** The agent, then each delegation under the one that made it, two spaces deeper per level, in the server's order (by creation). */
function formatTree(tree: DelegationTree, agentName: string | undefined, now: number): string {
  const children = new Map<string | null, Link[]>();
  for (const link of tree.delegations) children.set(link.parentDelegationId, [...(children.get(link.parentDelegationId) ?? []), link]);
  const known = new Set(tree.delegations.map((link) => link.id));
  // The agent's own delegations, and any whose parent the answer left out (kept visible rather than lost).
  const top = tree.delegations.filter((link) => link.parentDelegationId === null || !known.has(link.parentDelegationId));
  const rows: string[][] = [];
  const walk = (link: Link, level: number): void => {
    rows.push([`${"  ".repeat(level)}${link.id}`, link.name, link.childAgentId, link.capabilities.join(","), status(link, now)]);
    for (const child of children.get(link.id) ?? []) walk(child, level + 1);
  };
  for (const link of top) walk(link, 1);
  return `${tree.agentId}${agentName === undefined ? "" : ` (${agentName})`}\n${columns(rows)}`;
}

function status(link: Link, now: number): string {
  if (link.revokedAt !== null) return `revoked ${shortTime(link.revokedAt)}`;
  if (Date.parse(link.expiresAt) <= now) return `expired ${shortTime(link.expiresAt)}`;
  return `active until ${shortTime(link.expiresAt)}`;
}

/** Rows padded to each column's widest cell, two spaces apart, with no header. */
function columns(rows: string[][]): string {
  const widths = rows.reduce<number[]>((most, row) => row.map((cell, i) => Math.max(most[i] ?? 0, cell.length)), []);
  return rows.map((row) => `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")}\n`).join("");
}
