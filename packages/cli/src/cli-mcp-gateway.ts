/** `gatehouse mcp-servers …` and `gatehouse mcp-gateways …`: the org's hosted MCP gateway (docs/integrations/mcp.md), with an admin key. */
import type { GatehouseAdmin, McpGateway, McpServer } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, table, UsageError, withConnection } from "./cli-common.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";

const ON_CHANGE = ["hide", "require_approval"] as const;

function serverRow(s: McpServer): string[] {
  const catalogue = s.catalogDigest === null ? "not listed yet" : `${s.tools} pinned${s.changedTools > 0 ? `, ${s.changedTools} changed` : ""}`;
  return [s.name, s.url, s.hasCredential ? "sealed" : "none", catalogue, s.gateways.join(",") || "-"];
}

function gatewayRow(g: McpGateway, origin: string): string[] {
  return [g.name, `${origin}${g.path}`, g.servers.join(",") || "-", g.onChange];
}

function nameArgument(args: readonly string[], usage: string, what: string): string {
  const [name, ...extra] = args;
  if (name === undefined) throw new UsageError(`needs ${what}: ${usage}`);
  noMore(extra);
  return name;
}

/** The API's origin, for a gateway's URL (the one the client connects to). */
function originOf(io: CliIo): string {
  return (io.connection("an admin key").baseUrl ?? "http://localhost:4000").replace(/\/+$/, "");
}

async function serverNamed(admin: GatehouseAdmin, name: string, signal: AbortSignal | undefined): Promise<McpServer> {
  const found = (await admin.mcp.servers.list({ signal })).find((s) => s.name === name);
  if (!found) throw new UsageError(`no MCP server named '${name}' (gatehouse mcp-servers list shows them)`);
  return found;
}

async function gatewayNamed(admin: GatehouseAdmin, name: string, signal: AbortSignal | undefined): Promise<McpGateway> {
  const found = (await admin.mcp.gateways.list({ signal })).find((g) => g.name === name);
  if (!found) throw new UsageError(`no MCP gateway named '${name}' (gatehouse mcp-gateways list shows them)`);
  return found;
}

/** The credential, read like a password (piped in, or typed at a hidden prompt): never an argument, so never in a shell's history. */
async function readCredential(io: CliIo, name: string): Promise<string> {
  if (!io.readSecret) throw new UsageError("--credential reads the credential from standard input or a prompt, and there is neither here");
  const value = (await io.readSecret(`Authorization header value for ${name} (e.g. Bearer …): `)).trim();
  if (value === "") throw new UsageError("the credential is empty");
  return value;
}

function serversOption(value: string): string[] {
  return value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

function onChangeOption(value: string | undefined): (typeof ON_CHANGE)[number] | undefined {
  if (value === undefined) return undefined;
  if (!(ON_CHANGE as readonly string[]).includes(value)) throw new UsageError(`--on-change must be hide or require_approval, not "${value}"`);
  return value as (typeof ON_CHANGE)[number];
}

export const mcpServersGroup: CommandGroup = {
  name: "mcp-servers",
  notes: `The org's MCP servers behind its gateways (Streamable HTTP). A server's name is its tools' namespace:
<name>__<tool> at a gateway, mcp.<name>.<tool> in policies. --credential reads the Authorization header
value to send upstream (piped in, or typed at a hidden prompt); it is sealed and never shown again.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List the org's MCP servers",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse mcp-servers list [--json]\n\nEach server: its URL, whether a credential is sealed, its pinned catalogue, the gateways serving it."),
      async run(io, args, options) {
        noMore(args);
        const servers = await io.admin().mcp.servers.list({ signal: io.signal });
        if (options.json) return printJson(io.stdout, { servers });
        io.stdout(servers.length === 0 ? "No MCP servers.\n" : table(["NAME", "URL", "CREDENTIAL", "TOOLS", "GATEWAYS"], servers.map(serverRow)));
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "add",
      synopsis: "<name> <url> [--credential]",
      summary: "Register an MCP server",
      options: { description: { type: "string" }, credential: { type: "boolean" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse mcp-servers add <name> <url> [--credential] [--description <text>] [--json]\n\nRegisters a Streamable HTTP MCP server. <name>: 1 to 32 of a-z, 0-9 and '-'.\n--credential reads the Authorization header value to send it (piped in, or at a prompt).",
      ),
      async run(io, args, options) {
        const [name, url, ...extra] = args;
        if (name === undefined || url === undefined) throw new UsageError("needs a name and a URL: gatehouse mcp-servers add <name> <url>");
        noMore(extra);
        const credential = options.credential ? await readCredential(io, name) : undefined;
        const server = await io
          .admin()
          .mcp.servers.create(
            { name, url, ...(options.description === undefined ? {} : { description: options.description }), ...(credential === undefined ? {} : { credential }) },
            { signal: io.signal },
          );
        if (options.json) return printJson(io.stdout, server);
        io.stdout(`Added ${server.name} (${server.id}) at ${server.url}${server.hasCredential ? ", its credential sealed" : ""}.\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "set",
      synopsis: "<name> [--url <url>] [--credential | --no-credential]",
      summary: "Change a server's URL, description or credential",
      options: { url: { type: "string" }, description: { type: "string" }, credential: { type: "boolean" }, "no-credential": { type: "boolean" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse mcp-servers set <name> [--url <url>] [--description <text>] [--credential | --no-credential] [--json]\n\n--credential reads a new credential (piped in, or at a prompt); --no-credential removes it.",
      ),
      async run(io, args, options) {
        const name = nameArgument(args, "gatehouse mcp-servers set <name>", "a server's name");
        if (options.credential && options["no-credential"]) throw new UsageError("give --credential or --no-credential, not both");
        if (options.url === undefined && options.description === undefined && !options.credential && !options["no-credential"])
          throw new UsageError("nothing to change: give --url, --description, --credential or --no-credential");
        const admin = io.admin();
        const server = await serverNamed(admin, name, io.signal);
        const credential = options.credential ? await readCredential(io, name) : options["no-credential"] ? null : undefined;
        const changes = {
          ...(options.url === undefined ? {} : { url: options.url }),
          ...(options.description === undefined ? {} : { description: options.description }),
          ...(credential === undefined ? {} : { credential }),
        };
        const updated = await admin.mcp.servers.update(server.id, changes, { signal: io.signal });
        if (options.json) return printJson(io.stdout, updated);
        io.stdout(`Changed ${updated.name}: ${updated.url}, credential ${updated.hasCredential ? "sealed" : "none"}.\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "tools",
      synopsis: "<name>",
      summary: "A server's pinned tools, and changes waiting for review",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse mcp-servers tools <name> [--json]\n\nEach tool pinned when a gateway first listed the server; a tool whose definition changed (or that is new) is held\nat every gateway until accepted: gatehouse mcp-servers accept <name> <tool>.",
      ),
      async run(io, args, options) {
        const name = nameArgument(args, "gatehouse mcp-servers tools <name>", "a server's name");
        const admin = io.admin();
        const tools = await admin.mcp.servers.tools((await serverNamed(admin, name, io.signal)).id, { signal: io.signal });
        if (options.json) return printJson(io.stdout, { tools });
        io.stdout(
          tools.length === 0
            ? `No tools pinned for ${name} yet: a gateway pins them the first time it lists them.\n`
            : table(
                ["TOOL", "STATE", "DIGEST"],
                tools.map((t) => [t.name, t.pending === null ? "pinned" : `held: ${t.pending.fields.join(", ")} changed`, (t.pending?.digest ?? t.digest).slice(0, 12)]),
              ),
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "accept",
      synopsis: "<name> <tool>",
      summary: "Accept a tool's changed definition after reviewing it",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse mcp-servers accept <name> <tool> [--json]\n\nPrints the definition waiting and accepts it: gateways offer the tool again (an mcp.catalog_accepted entry).\nA definition that changes again between the two is refused, to be reviewed anew.",
      ),
      async run(io, args, options) {
        const [name, tool, ...extra] = args;
        if (name === undefined || tool === undefined) throw new UsageError("needs a server and a tool: gatehouse mcp-servers accept <name> <tool>");
        noMore(extra);
        const admin = io.admin();
        const server = await serverNamed(admin, name, io.signal);
        const pin = (await admin.mcp.servers.tools(server.id, { signal: io.signal })).find((t) => t.name === tool);
        if (!pin) throw new UsageError(`${name} has no pinned tool named '${tool}' (gatehouse mcp-servers tools ${name} lists them)`);
        if (pin.pending === null) throw new UsageError(`${tool} has no change waiting for review`);
        const accepted = await admin.mcp.servers.accept(server.id, tool, pin.pending.digest, { signal: io.signal });
        if (options.json) return printJson(io.stdout, accepted);
        io.stdout(`Accepted ${name}/${tool} (${pin.pending.fields.join(", ")}), as it reads now:\n${JSON.stringify(accepted.definition, null, 2)}\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "remove",
      synopsis: "<name>",
      summary: "Delete a server; its gateways stop serving it",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse mcp-servers remove <name>\n\nDeletes the server, its pinned catalogue and its sealed credential; its gateways stop serving it."),
      async run(io, args) {
        const name = nameArgument(args, "gatehouse mcp-servers remove <name>", "a server's name");
        const admin = io.admin();
        const server = await admin.mcp.servers.delete((await serverNamed(admin, name, io.signal)).id, { signal: io.signal });
        io.stdout(`Removed ${server.name}${server.gateways.length > 0 ? ` from ${server.gateways.join(", ")}` : ""}.\n`);
        return EXIT_OK;
      },
    }),
  ],
};

export const mcpGatewaysGroup: CommandGroup = {
  name: "mcp-gateways",
  notes: `A gateway is one MCP endpoint, <API origin>/mcp/<org slug>/<name>, in front of a set of the org's servers.
Point any MCP client at its URL; every tools/call is decided as mcp.<server>.<tool> by the org's policies.
--on-change says what a tool whose definition changed becomes until an admin accepts it: hide (default)
or require_approval.`,
  commands: [
    defineCommand({
      name: "list",
      summary: "List the org's MCP gateways and their URLs",
      options: { json: { type: "boolean" } },
      connection: "admin",
      help: withConnection("Usage: gatehouse mcp-gateways list [--json]\n\nEach gateway: the URL its clients connect to, its servers, what a changed tool becomes."),
      async run(io, args, options) {
        noMore(args);
        const gateways = await io.admin().mcp.gateways.list({ signal: io.signal });
        if (options.json) return printJson(io.stdout, { gateways });
        const origin = originOf(io);
        io.stdout(
          gateways.length === 0
            ? "No MCP gateways.\n"
            : table(
                ["NAME", "URL", "SERVERS", "ON CHANGE"],
                gateways.map((g) => gatewayRow(g, origin)),
              ),
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "create",
      synopsis: "<name> --servers <a,b> [--on-change hide|require_approval]",
      summary: "Create a gateway in front of some of the org's servers",
      options: { servers: { type: "string" }, "on-change": { type: "string" }, description: { type: "string" }, json: { type: "boolean" } },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse mcp-gateways create <name> --servers <name,name> [--on-change hide|require_approval] [--description <text>] [--json]\n\nCreates a gateway serving the servers named; prints the URL MCP clients connect to.",
      ),
      async run(io, args, options) {
        const name = nameArgument(args, "gatehouse mcp-gateways create <name> --servers <a,b>", "a gateway's name");
        if (options.servers === undefined) throw new UsageError("--servers names the servers it serves (separated by commas)");
        const onChange = onChangeOption(options["on-change"]);
        const gateway = await io.admin().mcp.gateways.create(
          {
            name,
            servers: serversOption(options.servers),
            ...(onChange === undefined ? {} : { onChange }),
            ...(options.description === undefined ? {} : { description: options.description }),
          },
          { signal: io.signal },
        );
        if (options.json) return printJson(io.stdout, gateway);
        io.stdout(
          `Created ${gateway.name}: ${originOf(io)}${gateway.path}\nServes ${gateway.servers.join(", ") || "no servers yet"}; a changed tool is ${gateway.onChange === "hide" ? "hidden" : "held for approval"} until accepted.\n`,
        );
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "set",
      synopsis: "<name> [--servers <a,b> | --no-servers] [--on-change …]",
      summary: "Change a gateway's servers, description or what a changed tool becomes",
      options: {
        servers: { type: "string" },
        "no-servers": { type: "boolean" },
        "on-change": { type: "string" },
        description: { type: "string" },
        json: { type: "boolean" },
      },
      connection: "admin",
      help: withConnection(
        "Usage: gatehouse mcp-gateways set <name> [--servers <name,name> | --no-servers] [--on-change hide|require_approval] [--description <text>] [--json]\n\n--servers replaces the servers it serves; --no-servers leaves it serving none.",
      ),
      async run(io, args, options) {
        const name = nameArgument(args, "gatehouse mcp-gateways set <name>", "a gateway's name");
        if (options.servers !== undefined && options["no-servers"]) throw new UsageError("give --servers or --no-servers, not both");
        const onChange = onChangeOption(options["on-change"]);
        const servers = options["no-servers"] ? [] : options.servers === undefined ? undefined : serversOption(options.servers);
        const changes = {
          ...(servers === undefined ? {} : { servers }),
          ...(onChange === undefined ? {} : { onChange }),
          ...(options.description === undefined ? {} : { description: options.description }),
        };
        if (Object.keys(changes).length === 0) throw new UsageError("nothing to change: give --servers, --no-servers, --on-change or --description");
        const admin = io.admin();
        const gateway = await admin.mcp.gateways.update((await gatewayNamed(admin, name, io.signal)).id, changes, { signal: io.signal });
        if (options.json) return printJson(io.stdout, gateway);
        io.stdout(`Changed ${gateway.name}: serves ${gateway.servers.join(", ") || "no servers"}; on change: ${gateway.onChange}.\n`);
        return EXIT_OK;
      },
    }),
    defineCommand({
      name: "remove",
      synopsis: "<name>",
      summary: "Delete a gateway; its endpoint answers 404 from then on",
      options: {},
      connection: "admin",
      help: withConnection("Usage: gatehouse mcp-gateways remove <name>\n\nDeletes the gateway and ends its sessions; its servers stay registered."),
      async run(io, args) {
        const name = nameArgument(args, "gatehouse mcp-gateways remove <name>", "a gateway's name");
        const admin = io.admin();
        const gateway = await admin.mcp.gateways.delete((await gatewayNamed(admin, name, io.signal)).id, { signal: io.signal });
        io.stdout(`Removed ${gateway.name}.\n`);
        return EXIT_OK;
      },
    }),
  ],
};
