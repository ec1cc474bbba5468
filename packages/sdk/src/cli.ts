#!/usr/bin/env -S npx tsx
/**
 * The `gatehouse` command line. {@link main} takes its world as arguments (argv, env, fetch,
 * writers, file reader) so tests can run it whole; the entry point at the bottom passes the real
 * ones, the environment through env.ts.
 */
import { readFile as readFileFromDisk } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GatehouseAdmin } from "./admin.ts";
import { DEFAULT_BASE_URL } from "./config.ts";
import { cliEnv, type CliEnv } from "./env.ts";
import { BadRequestError, GatehouseError } from "./errors.ts";
import { formatPolicyFile, PolicyFileError, readPolicyFile, type PolicyFile, type PolicyFileFormat } from "./policy-file.ts";
import type { Fetch, PolicyDocument, PolicySetDiff } from "./types.ts";
import { VERSION } from "./version.ts";

/** Everything the CLI touches outside itself. */
export interface CliContext {
  /** The arguments after the program name, e.g. `["policies", "apply", "policies.yaml"]`. */
  argv: readonly string[];
  /** `GATEHOUSE_API_KEY` and `GATEHOUSE_BASE_URL`; the flags win over them. */
  env: Readonly<CliEnv>;
  fetch: Fetch;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads a file as UTF-8. Default: from disk. */
  readFile?: (path: string) => Promise<string>;
}

/** Exit statuses. */
export const EXIT_OK = 0;
/** The call or the file failed. */
export const EXIT_FAILURE = 1;
/** The command line was wrong. */
export const EXIT_USAGE = 2;

const CONNECTION_OPTIONS = `Connection:
  --api-key <key>    Org admin key (gh_admin_…). Default: $GATEHOUSE_API_KEY
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else ${DEFAULT_BASE_URL}`;

const MAIN_HELP = `Usage: gatehouse <command> [options]

Commands:
  policies apply <file>   Make the org's active policies exactly those in <file>
  policies export         Print the org's active policies as a file you can apply again

${CONNECTION_OPTIONS}

Options:
  -h, --help         Help for a command, e.g. gatehouse policies apply --help
  --version          Print the version

Exit status: 0 done, 1 the call or the file failed, 2 the command line was wrong.
`;

const POLICIES_HELP = `Usage: gatehouse policies <apply|export> [options]

Commands:
  apply <file> [--dry-run]       Make the org's active policies exactly those in <file>
  export [--format json|yaml]    Print the org's active policies as a file you can apply again

Run gatehouse policies <command> --help for details.
`;

const APPLY_HELP = `Usage: gatehouse policies apply <file> [--dry-run]

Makes the org's active policies exactly those in <file>: new names are created, changed ones get
a new version, identical ones stay as they are, and active policies missing from the file are
archived. The whole set is applied at once, or nothing is.

<file> holds { "policies": [ … ] } or a bare list of policy documents, in JSON or YAML (by its
extension: .json, .yaml, .yml; any other name is read as JSON if it parses, else as YAML).

Options:
  --dry-run          Only show what would change

${CONNECTION_OPTIONS}

Output, one line per change, then the counts:
  + name v1          created
  ~ name v1 → v2     updated
  - name v3          archived
  = 4 unchanged

When the server rejects the set, each problem is printed with its path in the file
(policies[1].effect) and line, and the exit status is 1.
`;

const EXPORT_HELP = `Usage: gatehouse policies export [--format json|yaml]

Prints the org's active policies as a policy file: applying it again changes nothing. Versions
and content hashes are left out; defaults the server filled in (agents, mode, approval) are kept.

Options:
  --format <format>  json (default) or yaml

${CONNECTION_OPTIONS}

Example: gatehouse policies export --format yaml > policies.yaml
`;

/** A command line mistake: printed with a pointer to the help, exit status 2. */
class UsageError extends Error {}

interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(["--api-key", "--base-url", "--format"]);
const BOOLEAN_FLAGS = new Set(["--dry-run", "--help", "--version"]);

function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      flags.set("--help", true);
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (VALUE_FLAGS.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "") throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else if (BOOLEAN_FLAGS.has(name) && eq === -1) {
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  return { positionals, flags };
}

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
  const { positionals, flags } = parseArgs(context.argv);
  const [group, command, ...rest] = positionals;
  const help = flags.has("--help");

  if (flags.has("--version")) {
    context.stdout(`${VERSION}\n`);
    return EXIT_OK;
  }
  if (group === undefined || group === "help") {
    (help || group === "help" ? context.stdout : context.stderr)(MAIN_HELP);
    return help || group === "help" ? EXIT_OK : EXIT_USAGE;
  }
  if (group !== "policies") throw new UsageError(`unknown command "${group}"`);
  if (command === undefined) {
    (help ? context.stdout : context.stderr)(POLICIES_HELP);
    return help ? EXIT_OK : EXIT_USAGE;
  }

  switch (command) {
    case "apply": {
      if (help) return printed(context, APPLY_HELP);
      allowOnly(flags, ["--dry-run"], "policies apply");
      const [file, ...extra] = rest;
      if (file === undefined) throw new UsageError("policies apply needs a file: gatehouse policies apply <file>");
      if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
      return applyPolicies(context, flags, file);
    }
    case "export": {
      if (help) return printed(context, EXPORT_HELP);
      allowOnly(flags, ["--format"], "policies export");
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      const format = flags.get("--format") ?? "json";
      if (format !== "json" && format !== "yaml") throw new UsageError(`--format must be json or yaml, not "${String(format)}"`);
      return exportPolicies(context, flags, format);
    }
    default:
      throw new UsageError(`unknown command "policies ${command}"`);
  }
}

function printed(context: CliContext, text: string): number {
  context.stdout(text);
  return EXIT_OK;
}

/** Rejects command-specific flags given to the wrong command. */
function allowOnly(flags: ParsedArgs["flags"], allowed: readonly string[], command: string): void {
  const ok = new Set(["--api-key", "--base-url", ...allowed]);
  for (const name of flags.keys()) {
    if (!ok.has(name)) throw new UsageError(`${command} does not take ${name}`);
  }
}

function adminClient(context: CliContext, flags: ParsedArgs["flags"]): GatehouseAdmin {
  const apiKey = flagValue(flags, "--api-key") ?? context.env.GATEHOUSE_API_KEY;
  if (apiKey === undefined || apiKey === "") {
    throw new UsageError("no API key: pass --api-key gh_admin_… or set GATEHOUSE_API_KEY");
  }
  const baseUrl = flagValue(flags, "--base-url") ?? (context.env.GATEHOUSE_BASE_URL || undefined);
  try {
    return new GatehouseAdmin({ apiKey, fetch: context.fetch, ...(baseUrl === undefined ? {} : { baseUrl }) });
  } catch (error) {
    // A malformed key or URL: the options are wrong, not the call.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function flagValue(flags: ParsedArgs["flags"], name: string): string | undefined {
  const value = flags.get(name);
  return typeof value === "string" ? value : undefined;
}

async function applyPolicies(context: CliContext, flags: ParsedArgs["flags"], file: string): Promise<number> {
  const admin = adminClient(context, flags);
  const readFile = context.readFile ?? ((path: string) => readFileFromDisk(path, "utf8"));
  let text: string;
  try {
    text = await readFile(file);
  } catch (error) {
    context.stderr(`error: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
  let policyFile: PolicyFile;
  try {
    policyFile = readPolicyFile(file, text);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    context.stderr(`error: ${file}${error.line === undefined ? "" : `:${error.line}`}: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  const dryRun = flags.has("--dry-run");
  let diff: PolicySetDiff;
  try {
    // The server validates every document and answers 400 with the paths of what is wrong.
    diff = await admin.policies.apply(policyFile.policies as PolicyDocument[], { dryRun });
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error;
    context.stderr(rejection(file, error, policyFile));
    return EXIT_FAILURE;
  }
  context.stdout(formatDiff(diff));
  return EXIT_OK;
}

async function exportPolicies(context: CliContext, flags: ParsedArgs["flags"], format: PolicyFileFormat): Promise<number> {
  const admin = adminClient(context, flags);
  const { policies } = await admin.policies.list();
  context.stdout(formatPolicyFile(policies, format));
  return EXIT_OK;
}

/** `+ a v1`, `~ b v1 → v2`, `- c v3`, `= 2 unchanged`, then the counts. */
function formatDiff(diff: PolicySetDiff): string {
  const lines: string[] = [];
  if (diff.dryRun) lines.push("Dry run: nothing was changed. Applying would make these changes:");
  for (const p of diff.created) lines.push(`+ ${p.name} v${p.version}`);
  for (const p of diff.updated) lines.push(`~ ${p.name} v${p.previousVersion} → v${p.version}`);
  for (const p of diff.archived) lines.push(`- ${p.name} v${p.version}`);
  if (diff.unchanged.length > 0) lines.push(`= ${diff.unchanged.length} unchanged`);
  const counts = `${diff.created.length} created, ${diff.updated.length} updated, ${diff.archived.length} archived, ${diff.unchanged.length} unchanged`;
  lines.push(diff.dryRun ? `Would apply: ${counts}.` : `Applied: ${counts}.`);
  return `${lines.join("\n")}\n`;
}

interface Issue {
  path: string;
  message: string;
}

function issuesOf(details: unknown): Issue[] {
  if (typeof details !== "object" || details === null) return [];
  const issues = (details as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: unknown) => {
    if (typeof issue !== "object" || issue === null) return [];
    const { path, message } = issue as { path?: unknown; message?: unknown };
    return typeof message === "string" ? [{ path: typeof path === "string" ? path : "", message }] : [];
  });
}

/** The server's 400, one line per issue with its path and, when the file says, its line. */
function rejection(file: string, error: BadRequestError, policyFile: PolicyFile): string {
  const issues = issuesOf(error.details);
  const id = error.requestId === undefined ? "" : ` (request id ${error.requestId})`;
  if (issues.length === 0) return `error: ${file} was rejected: ${error.message}${id}\n`;
  const lines = issues.map((issue) => {
    const line = policyFile.lineOf(issue.path);
    const where = `${issue.path || "(file)"}${line === undefined ? "" : ` (${file}:${line})`}`;
    return `  ${where}: ${issue.message}`;
  });
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return `error: ${file} was rejected, ${count}${id}:\n${lines.join("\n")}\n`;
}

function describe(error: GatehouseError): string {
  const facts = [
    error.status === undefined ? undefined : `status ${error.status}`,
    error.requestId === undefined ? undefined : `request id ${error.requestId}`,
  ].filter((fact) => fact !== undefined);
  return facts.length === 0 ? error.message : `${error.message} (${facts.join(", ")})`;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main({
    argv: process.argv.slice(2),
    env: cliEnv(),
    fetch: globalThis.fetch,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
