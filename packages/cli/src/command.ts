/**
 * What a `gatehouse` command is: a name in its group, the line the help lists it with, its own
 * options (typed), the key it calls the API with, its help, and a run function that gets the one
 * {@link CliIo} every command shares. A group is a list of them; registry.ts lists the groups.
 */
import type { Writable } from "node:stream";
import type { Fetch, Gatehouse, GatehouseAdmin } from "@gatehouse/sdk";
import type { CliEnv } from "./env.ts";

/** An option a command takes: `--name <value>` (repeatable with `multiple`), or a switch `--name`. */
export type OptionSpec = { readonly type: "string"; readonly multiple?: boolean } | { readonly type: "boolean" };
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The values a command's run gets for its options: a switch is a boolean, a value its last one, a repeatable one all of them. */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]: O[K] extends { type: "boolean" } ? boolean : O[K] extends { multiple: true } ? string[] : string | undefined;
};

/**
 * Which key a command calls the API with: an org admin key, any key of the org (an agent's key
 * sees its agent's part), or none (it runs offline, or reads its key itself: login). With a key,
 * the command takes --api-key and --base-url.
 */
export type Connection = "admin" | "any" | "none";

/** The one I/O adapter: everything a command touches outside itself. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  signal: AbortSignal | undefined;
  /** Reads a file as UTF-8. */
  readFile: (path: string) => Promise<string>;
  /** Whether stderr is a terminal (`verify` then reports its progress). */
  stderrIsTTY: boolean;
  /** Where `audit export` streams its bytes without `--out`, with backpressure; without it, the text goes through `stdout`. */
  stdoutStream: Writable | undefined;
  /** Now, in ms since the epoch. */
  now: () => number;
  /** Waits `ms` (`runs follow` between its reads); resolves early, without an error, when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  env: Readonly<CliEnv>;
  /** For a client a command makes itself (login: on the key it is given). */
  fetch: Fetch;
  /** Reads a secret (piped in, or typed at a hidden prompt); undefined when there is no way to. */
  readSecret: ((prompt: string) => Promise<string>) | undefined;
  /** Reads several secrets, one per prompt (piped in, one per line, or typed at hidden prompts); undefined when there is no way to. */
  readSecrets: ((prompts: readonly string[]) => Promise<string[]>) | undefined;
  /** All of standard input (`gatehouse hook`: the agent's payload). */
  readStdin: () => Promise<string>;
  /** The user this runs as (a key file must be theirs); undefined where the system has no POSIX users. */
  uid: number | undefined;
  /** The key and base URL a client would be made with (--api-key, else $GATEHOUSE_API_KEY, else gatehouse login's); `keyHint` names the key in the error when there is none. */
  connection: (keyHint: string) => { apiKey: string; baseUrl: string | undefined };
  /** A client on the org admin key of --api-key, else $GATEHOUSE_API_KEY, else gatehouse login's. */
  admin: () => GatehouseAdmin;
  /** A client on any key of the org: an admin key sees the whole org, an agent key its agent. */
  client: () => Gatehouse | GatehouseAdmin;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** Its name in its group (`apply`, or two words: `library show`); "" for a group that is one command (`tail`). */
  name: string;
  /** What follows the name on the help's line: `<file>`, `<id>… [--reason <text>]`. */
  synopsis?: string;
  /** One line for the lists of commands. */
  summary: string;
  options: O;
  connection: Connection;
  /** `gatehouse <group> <name> --help`. */
  help: string;
  /** Runs it with the arguments after its name; resolves with the exit status. */
  run: (io: CliIo, args: readonly string[], options: OptionValues<O>) => Promise<number> | number;
}

export interface CommandGroup {
  /** The first word: `policies`, `tail`. */
  name: string;
  commands: readonly Command[];
  /** Said below the group's list of commands (roles, what a key can do). */
  notes?: string;
}

/** A command, its options' types kept for its run function. */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command {
  return command as unknown as Command;
}

/** The options every command with a key takes. */
export const CONNECTION_OPTION_SPECS = { "api-key": { type: "string" }, "base-url": { type: "string" } } as const satisfies OptionSpecs;

/** `name` or `group name` with its synopsis, as the help lists it. */
export function usageOf(group: string, command: Command, withGroup = true): string {
  return [withGroup ? group : "", command.name, command.synopsis ?? ""].filter((part) => part !== "").join(" ");
}

/** Lines of `usage   summary`, summaries in one column; a usage too long for it puts its summary on the next line. */
export function commandList(entries: ReadonlyArray<[usage: string, summary: string]>, column: number, minGap = 1): string {
  return entries
    .map(([usage, summary]) => {
      if (usage.length + minGap <= column - 1) return `  ${usage.padEnd(column - 1)}${summary}`;
      if (usage.length + summary.length < 100) return `  ${usage}   ${summary}`;
      return `  ${usage}\n${" ".repeat(column + 1)}${summary}`;
    })
    .join("\n");
}

/** `gatehouse <group> --help`: its usage, its commands from the registry, its notes. */
export function groupHelp(group: CommandGroup): string {
  const names = group.commands.map((c) => c.name.split(" ")[0] ?? "").filter((name, i, all) => all.indexOf(name) === i);
  const usage = names.length <= 6 ? `<${names.join("|")}>` : "<command>";
  const entries = group.commands.map((c): [string, string] => [usageOf(group.name, c, false), c.summary]);
  const column = Math.min(Math.max(...entries.map(([u]) => u.length)) + 3, 40);
  const parts = [
    `Usage: gatehouse ${group.name} ${usage} [options]`,
    `Commands:\n${commandList(entries, column, 2)}`,
    group.notes,
    `Run gatehouse ${group.name} <command> --help for details.`,
  ];
  return `${parts.filter((part) => part !== undefined).join("\n\n")}\n`;
}
