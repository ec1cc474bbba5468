/** `gatehouse agents …` and `gatehouse keys …`: the org's agents, their keys, and members' personal admin keys, with an admin key. */
import type { AdminKey, Agent, ApiKey } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, table, UsageError, withConnection } from "./cli-common.ts";
import { defineCommand, type CommandGroup } from "./command.ts";

/** The line printed above a secret, which is printed alone on the next line. */
const STORE_IT_NOW = "Store it now: it is shown only this once and cannot be retrieved again.";

/** The id argument of `<command> <id>`, else a usage mistake naming the command's form. */
function idArgument(rest: readonly string[], command: string, what: string, usage: string): string {
  const [id, ...extra] = rest;
  if (id === undefined) throw new UsageError(`${command} needs ${what}: ${usage}`);
  noMore(extra);
  return id;
}

/** `--expires-in-days`: a whole number of days from 1 to 3650, or absent. */
function expiryDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const days = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError(`--expires-in-days must be a whole number from 1 to 3650, not "${text}"`);
  return days;
}

/** Every `--label key=value`, in order; a label without `=` or a key, or a key given twice, is a usage mistake. */
function labels(given: readonly string[]): Record<string, string> | undefined {
  if (given.length === 0) return undefined;
  const result: Record<string, string> = {};
  for (const label of given) {
    const at = label.indexOf("=");
    if (at < 1) throw new UsageError(`--label must be key=value, not "${label}"`);
    const key = label.slice(0, at);
    if (Object.hasOwn(result, key)) throw new UsageError(`--label ${key} is given twice`);
    result[key] = label.slice(at + 1);
  }
  return result;
}

export const agentsGroup: CommandGroup = {
  name: "agents",
  notes: `Every member may list agents; creating, halting and resuming needs the role owner or admin, as do
an agent's keys. A key is printed once, when it is made: only its hash is stored. Revoke a key with
gatehouse keys revoke <key-id>.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List the org's agents (status, circuit breaker, labels)",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse agents list [--json]\n\nLists the org's agents by name: status, circuit breaker, labels."),
      async run(io, args, options) {
        noMore(args);
        const agents = await io.admin().agents.list({ signal: io.signal });
        if (options.json) return printJson(io.stdout, { agents });
        io.stdout(agents.length === 0 ? "No agents.\n" : table(["ID", "NAME", "STATUS", "BREAKER", "LABELS", "CREATED"], agents.map(agentRow)));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "create",
      synopsis: "<name> [--description <text>] [--label k=v]…",
      summary: "Create an agent; prints its key once",
      options: { description: { type: "string" }, label: { type: "string", multiple: true }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse agents create <name> [--description <text>] [--label key=value]… [--json]\n\nCreates an agent (a name of letters, digits, '.', '_' or '-') with its first API key, printed once.\nRepeat --label for several labels.",
      ),
      async run(io, args, options) {
        const name = idArgument(args, "agents create", "a name", "gatehouse agents create <name>");
        const description = options.description;
        const given = labels(options.label);
        const created = await io
          .admin()
          .agents.create({ name, ...(description === undefined ? {} : { description }), ...(given === undefined ? {} : { labels: given }) }, { signal: io.signal });
        if (options.json) return printJson(io.stdout, created);
        io.stdout(`Created agent ${created.name} (${created.id}) with its key ${created.keyId}.\n${STORE_IT_NOW}\n${created.apiKey}\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "halt",
      synopsis: "<id> --reason <text>",
      summary: "Halt an agent: every decision of it is denied",
      options: { reason: { type: "string" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse agents halt <agent-id> --reason <text>\n\nHalts an agent (agt_…): every decision of it is denied (AGENT_HALTED) from its next call, on\nevery instance, and its pending approvals are cancelled. The reason goes into the audit log.",
      ),
      async run(io, args, options) {
        const id = idArgument(args, "agents halt", "an agent id", "gatehouse agents halt <agent-id> --reason <text>");
        const reason = options.reason;
        if (reason === undefined) throw new UsageError("agents halt needs --reason <text>: why the agent is halted (it goes into the audit log)");
        const agent = await io.admin().agents.halt(id, { reason, signal: io.signal });
        io.stdout(`Halted ${agent.name} (${agent.id}): its actions are denied until it is resumed.\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "resume",
      synopsis: "<id> [--reason <text>]",
      summary: "Resume a halted agent",
      options: { reason: { type: "string" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse agents resume <agent-id> [--reason <text>]\n\nResumes a halted agent (agt_…)."),
      async run(io, args, options) {
        const id = idArgument(args, "agents resume", "an agent id", "gatehouse agents resume <agent-id>");
        const reason = options.reason;
        const agent = await io.admin().agents.resume(id, { ...(reason === undefined ? {} : { reason }), signal: io.signal });
        io.stdout(`Resumed ${agent.name} (${agent.id}): it is ${agent.status}.\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "keys",
      synopsis: "<id>",
      summary: "List an agent's keys (without secrets)",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse agents keys <agent-id> [--json]\n\nLists an agent's keys (agt_…), without their secrets."),
      async run(io, args, options) {
        const id = idArgument(args, "agents keys", "an agent id", "gatehouse agents keys <agent-id>");
        const keys = await io.admin().agents.keys.list(id, { signal: io.signal });
        if (options.json) return printJson(io.stdout, { keys });
        io.stdout(
          keys.length === 0
            ? "No keys.\n"
            : table(
                ["ID", "NAME", "KEY", "STATUS", "LAST USED", "EXPIRES"],
                keys.map((k) => keyRow(k, io.now())),
              ),
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "issue-key",
      synopsis: "<id> [--expires-in-days <n>]",
      summary: "Issue another key for an agent; prints it once",
      options: { name: { type: "string" }, "expires-in-days": { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse agents issue-key <agent-id> [--name <name>] [--expires-in-days <n>] [--json]\n\nIssues another key for an agent (agt_…), printed once: rotate by issuing a new key, switching the\nagent to it, then revoking the old one (gatehouse keys revoke <key-id>).",
      ),
      async run(io, args, options) {
        const id = idArgument(args, "agents issue-key", "an agent id", "gatehouse agents issue-key <agent-id>");
        const name = options.name;
        const days = expiryDays(options["expires-in-days"]);
        const issued = await io
          .admin()
          .agents.keys.issue(id, { ...(name === undefined ? {} : { name }), ...(days === undefined ? {} : { expiresInDays: days }), signal: io.signal });
        if (options.json) return printJson(io.stdout, issued);
        io.stdout(`Issued key ${issued.id} for ${issued.agentId}, ${expiry(issued.expiresAt)}.\n${STORE_IT_NOW}\n${issued.apiKey}\n`);
        return EXIT_OK;
      },
    }),
  ],
};

export const keysGroup: CommandGroup = {
  name: "keys",
  notes: `A personal admin key acts with your role at the time of each request: a change of role or a
removal from the org takes effect at once. It is printed once, when it is made (only its hash is
stored); without --expires-in-days (1-3650) it does not expire. Owners and admins only; an admin's
list and revocations never reach an owner's keys.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List personal admin keys (yours; an owner sees everyone's)",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse keys list [--json]\n\nLists personal admin keys, newest first: yours, and those of members whose role yours ranks at\nleast as high as (an owner sees everyone's). Secrets are never shown.",
      ),
      async run(io, args, options) {
        noMore(args);
        const keys = await io.admin().keys.list({ signal: io.signal });
        if (options.json) return printJson(io.stdout, { keys });
        io.stdout(
          keys.length === 0
            ? "No admin keys.\n"
            : table(
                ["ID", "NAME", "MEMBER", "ROLE", "KEY", "STATUS", "LAST USED", "EXPIRES"],
                keys.map((k) => adminKeyRow(k, io.now())),
              ),
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "create",
      synopsis: "--name <name> [--expires-in-days <n>]",
      summary: "Issue a personal admin key; prints it once",
      options: { name: { type: "string" }, "expires-in-days": { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse keys create --name <name> [--expires-in-days <n>] [--json]\n\nIssues a personal admin key for you (the member of the key in use), printed once. It acts with\nyour role at the time of each request. Without --expires-in-days (1-3650) it does not expire.",
      ),
      async run(io, args, options) {
        noMore(args);
        const name = options.name;
        if (name === undefined) throw new UsageError("keys create needs --name <name>: e.g. the machine or the job the key is for");
        const days = expiryDays(options["expires-in-days"]);
        const issued = await io.admin().keys.issue({ name, ...(days === undefined ? {} : { expiresInDays: days }) }, { signal: io.signal });
        if (options.json) return printJson(io.stdout, issued);
        io.stdout(`Issued admin key ${issued.id} (${name}), ${expiry(issued.expiresAt)}.\n${STORE_IT_NOW}\n${issued.apiKey}\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "revoke",
      synopsis: "<id>",
      summary: "Revoke a key (an admin key or an agent's)",
      options: {},
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse keys revoke <key-id>\n\nRevokes a key (key_…): a member's admin key (of a role ranking at most yours) or an agent's key.\nIt stops working at its next request, on every instance. Revoking twice is harmless.",
      ),
      async run(io, args) {
        const id = idArgument(args, "keys revoke", "a key id", "gatehouse keys revoke <key-id>");
        const revoked = await io.admin().keys.revoke(id, { signal: io.signal });
        io.stdout(`Revoked ${revoked.id} (at ${shortTime(revoked.revokedAt)}): it no longer works.\n`);
        return EXIT_OK;
      },
    }),
  ],
};

function expiry(expiresAt: string | null): string {
  return expiresAt === null ? "not expiring" : `expiring ${shortTime(expiresAt)}`;
}

function keyStatus(key: ApiKey, now: number): string {
  if (key.revokedAt !== null) return "revoked";
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now) return "expired";
  return "active";
}

function agentRow(a: Agent): string[] {
  const labelText = Object.entries(a.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return [a.id, a.name, a.status, a.cbState, labelText || "-", shortTime(a.createdAt)];
}

function keyRow(k: ApiKey, now: number): string[] {
  return [
    k.id,
    k.name,
    `${k.prefix}…${k.lastFour}`,
    keyStatus(k, now),
    k.lastUsedAt === null ? "never" : shortTime(k.lastUsedAt),
    k.expiresAt === null ? "never" : shortTime(k.expiresAt),
  ];
}

function adminKeyRow(k: AdminKey, now: number): string[] {
  const [id, name, key, status, lastUsed, expires] = keyRow(k, now) as [string, string, string, string, string, string];
  return [id, name, k.mine ? `${k.member.email} (you)` : k.member.email, k.member.role, key, status, lastUsed, expires];
}
