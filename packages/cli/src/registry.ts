/**
 * Every command group of `gatehouse`, and what is made of the list: the main help, the command-line
 * parser's table of options (each command's own, merged), and the lookup of argv's command.
 * Adding a command is adding it to its group's module; adding a group is one line in GROUPS.
 */
import { parseArgs } from "node:util";
import { DEFAULT_BASE_URL } from "@gatehouse/sdk";
import { agentsGroup, keysGroup } from "./cli-agents.ts";
import { approvalsGroup } from "./cli-approvals.ts";
import { auditGroup, verifyGroup } from "./cli-audit.ts";
import { UsageError } from "./cli-common.ts";
import { delegationsGroup } from "./cli-delegations.ts";
import { hookGroup } from "./cli-hook.ts";
import { loginGroup, logoutGroup } from "./cli-login.ts";
import { mcpProxyGroup, mcpServerGroup } from "./cli-mcp.ts";
import { mcpGatewaysGroup, mcpServersGroup } from "./cli-mcp-gateway.ts";
import { invitationsGroup, membersGroup, orgGroup, settingsGroup } from "./cli-members.ts";
import { policiesGroup } from "./cli-policies.ts";
import { postureGroup } from "./cli-posture.ts";
import { reportGroup } from "./cli-report.ts";
import { tailGroup } from "./cli-tail.ts";
import { webhooksGroup } from "./cli-webhooks.ts";
import { grantsGroup } from "./cli-grants.ts";
import { budgetsGroup } from "./cli-budgets.ts";
import { integrationsGroup } from "./cli-integrations.ts";
import { runsGroup } from "./cli-runs.ts";
import { witnessGroup } from "./cli-witness.ts";
import { commandList, CONNECTION_OPTION_SPECS, usageOf, type Command, type CommandGroup, type OptionSpec, type OptionSpecs } from "./command.ts";

/** The groups, in the order the main help lists them. */
export const GROUPS: readonly CommandGroup[] = [
  loginGroup,
  logoutGroup,
  policiesGroup,
  approvalsGroup,
  grantsGroup,
  tailGroup,
  verifyGroup,
  auditGroup,
  reportGroup,
  membersGroup,
  invitationsGroup,
  orgGroup,
  settingsGroup,
  agentsGroup,
  keysGroup,
  delegationsGroup,
  runsGroup,
  budgetsGroup,
  webhooksGroup,
  mcpServersGroup,
  mcpGatewaysGroup,
  integrationsGroup,
  postureGroup,
  mcpProxyGroup,
  mcpServerGroup,
  hookGroup,
  witnessGroup,
];

/** The options of the command line itself, whatever the command. */
const GLOBAL_OPTIONS = { help: { type: "boolean", short: "h" }, version: { type: "boolean" } } as const;

/** `gatehouse help`, `gatehouse --help`: every registered command with its summary. */
export function mainHelp(groups: readonly CommandGroup[] = GROUPS): string {
  const entries = groups.flatMap((group) => group.commands.map((command): [string, string] => [usageOf(group.name, command), command.summary]));
  return `Usage: gatehouse <command> [options]

Commands:
${commandList(entries, 26)}

Connection:
  --api-key <key>    Org admin key (gh_admin_…; tail, audit, posture, runs and budgets prices also
                     take an agent's gh_… key, runs end needs one; verify takes none). Default:
                     $GATEHOUSE_API_KEY, else the key saved by gatehouse login
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else the URL
                     saved by gatehouse login, else ${DEFAULT_BASE_URL}

Options:
  -h, --help         Help for a command, e.g. gatehouse policies apply --help
  --version          Print the version

Exit status: 0 done, 1 the call or the file failed, 2 the command line was wrong.
verify: 0 valid, 1 invalid, 2 the command line was wrong or a file could not be read.
runs follow: 0 the run completed (or Ctrl-C), 1 it failed or was cancelled.
`;
}

/** The options a command accepts: its own, and --api-key and --base-url when it calls the API with a key. */
export function optionsOf(command: Command): OptionSpecs {
  return command.connection === "none" ? command.options : { ...CONNECTION_OPTION_SPECS, ...command.options };
}

/** Every option any command takes, for node:util's parser; one name has one type across commands (a test holds the registry to it). */
export function parserOptions(groups: readonly CommandGroup[] = GROUPS): Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> {
  const all: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = { ...GLOBAL_OPTIONS };
  for (const group of groups) {
    for (const command of group.commands) {
      for (const [name, spec] of Object.entries(optionsOf(command)) as Array<[string, OptionSpec]>) {
        const known = all[name];
        if (known !== undefined && known.type !== spec.type) throw new Error(`--${name} is a ${known.type} option in one command and a ${spec.type} in another`);
        // Every value is collected; a command that takes one keeps the last.
        all[name] = spec.type === "string" ? { type: "string", multiple: true } : { type: "boolean", ...(name === "help" ? { short: "h" } : {}) };
      }
    }
  }
  return all;
}

const PARSER_OPTIONS = parserOptions();

/** The command line: its positionals, and each option given with every value (true for a switch). */
export interface CommandLine {
  positionals: string[];
  given: Map<string, string[] | true>;
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  let tokens;
  try {
    tokens = parseArgs({ args: [...argv], options: PARSER_OPTIONS, strict: true, allowPositionals: true, tokens: true }).tokens;
  } catch (error) {
    throw new UsageError(commandLineMistake(error));
  }
  const positionals: string[] = [];
  const given = new Map<string, string[] | true>();
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    if (token.value === undefined) {
      given.set(token.name, true);
      continue;
    }
    if (token.value === "") throw new UsageError(`--${token.name} needs a value`);
    const before = given.get(token.name);
    given.set(token.name, [...(Array.isArray(before) ? before : []), token.value]);
  }
  return { positionals, given };
}

/** The parser's complaint, said the way the rest of the CLI says things. */
function commandLineMistake(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? "";
  const code = (error as { code?: unknown }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return /does not take an argument/.test(message) ? `${option} takes no value` : `${option} needs a value`;
  return message;
}

/** What argv names: a group without its command (its help), or a command and the arguments after its name. */
export type Resolved = { group: CommandGroup; command?: undefined } | { group: CommandGroup; command: Command; args: string[] };

/** The group and command `words` name (the longest command name that fits); an unknown one is a usage mistake naming it. */
export function resolve(words: readonly string[], groups: readonly CommandGroup[] = GROUPS): Resolved {
  const [first, ...rest] = words;
  const group = groups.find((g) => g.name === first);
  if (group === undefined) throw new UsageError(`unknown command "${first}"`);
  let best: Command | undefined;
  for (const command of group.commands) {
    const name = command.name === "" ? [] : command.name.split(" ");
    if (name.every((word, i) => rest[i] === word) && (best === undefined || name.length > best.name.split(" ").length)) best = command;
  }
  if (best === undefined) {
    if (rest[0] === undefined) return { group };
    throw new UsageError(`unknown command "${group.name} ${rest[0]}"`);
  }
  return { group, command: best, args: rest.slice(best.name === "" ? 0 : best.name.split(" ").length) };
}

/** The command's option values from the command line; an option it does not take is a usage mistake naming both. */
export function optionValues(group: CommandGroup, command: Command, given: CommandLine["given"]): Record<string, string[] | string | boolean | undefined> {
  const accepted = optionsOf(command);
  for (const name of given.keys()) {
    if (!Object.hasOwn(accepted, name)) throw new UsageError(`${[group.name, command.name].filter(Boolean).join(" ")} does not take --${name}`);
  }
  return Object.fromEntries(
    Object.entries(accepted).map(([name, spec]) => {
      const value = given.get(name);
      if (spec.type === "boolean") return [name, value !== undefined];
      const values = Array.isArray(value) ? value : [];
      return [name, spec.multiple ? values : values.at(-1)];
    }),
  );
}
