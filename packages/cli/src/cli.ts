/**
 * The `gatehouse` command line. {@link main} takes its world as arguments (argv, env, fetch,
 * writers, file reader) so tests can run it whole; bin.ts passes the real ones, the environment
 * through env.ts. The commands are in registry.ts (one module per group); this file finds the one
 * argv names, prints help, and turns what goes wrong into an exit status.
 */
import { GatehouseError } from "@gatehouse/sdk";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./cli-common.ts";
import { groupHelp } from "./command.ts";
import { cliIo, savedCredentials, type CliContext } from "./io.ts";
import { mainHelp, optionValues, parseCommandLine, resolve } from "./registry.ts";
import { VERSION } from "./version.ts";

export type { CliContext } from "./io.ts";
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./cli-common.ts";

/** Runs the CLI; resolves with the exit status. Never throws for a user's mistake or a failed call. */
export async function main(context: CliContext): Promise<number> {
  const { stderr } = context;
  try {
    return await run(context);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`error: ${error.message}\nRun gatehouse --help for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof GatehouseError) {
      stderr(`error: ${describe(error)}\n`);
      return EXIT_FAILURE;
    }
    stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

async function run(context: CliContext): Promise<number> {
  const { positionals, given } = parseCommandLine(context.argv);
  const help = given.delete("help");
  if (given.delete("version")) return printed(context, `${VERSION}\n`);
  // `gatehouse help [<group> [<command>]]` is `gatehouse [<group> [<command>]] --help`.
  const asked = positionals[0] === "help";
  const words = asked ? positionals.slice(1) : positionals;
  if (words.length === 0) {
    (help || asked ? context.stdout : context.stderr)(mainHelp());
    return help || asked ? EXIT_OK : EXIT_USAGE;
  }
  const resolved = resolve(words);
  if (resolved.command === undefined) {
    (help || asked ? context.stdout : context.stderr)(groupHelp(resolved.group));
    return help || asked ? EXIT_OK : EXIT_USAGE;
  }
  const { group, command, args } = resolved;
  if (help || asked) return printed(context, command.help);
  const options = optionValues(group, command, given);
  const connection = { apiKey: options["api-key"] as string | undefined, baseUrl: options["base-url"] as string | undefined };
  // Offline commands (verify, policies test) and login read no credentials file.
  const saved = command.connection === "none" ? null : await savedCredentials(context, connection);
  return command.run(cliIo(context, connection, saved), args, options as never);
}

function printed(context: CliContext, text: string): number {
  context.stdout(text);
  return EXIT_OK;
}

function describe(error: GatehouseError): string {
  const facts = [error.status === undefined ? undefined : `status ${error.status}`, error.requestId === undefined ? undefined : `request id ${error.requestId}`].filter(
    (fact) => fact !== undefined,
  );
  return facts.length === 0 ? error.message : `${error.message} (${facts.join(", ")})`;
}
