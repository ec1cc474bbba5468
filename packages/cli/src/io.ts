/** The one {@link CliIo}: a command's output, files, clock and clients, made of the CLI's world and the connection options given. */
import { readFile as readFileFromDisk } from "node:fs/promises";
import type { Writable } from "node:stream";
import { Gatehouse, GatehouseAdmin, type Fetch, type GatehouseOptions } from "@gatehouse/sdk";
import { UsageError } from "./cli-common.ts";
import type { CliIo } from "./command.ts";
import { credentialsPath, readCredentials, type Credentials } from "./credentials.ts";
import type { CliEnv } from "./env.ts";

/** Everything the CLI touches outside itself. */
export interface CliContext {
  /** The arguments after the program name, e.g. `["policies", "apply", "policies.yaml"]`. */
  argv: readonly string[];
  /** `GATEHOUSE_API_KEY` and `GATEHOUSE_BASE_URL` (the flags win over them, and they over the credentials file); where that file is. */
  env: Readonly<CliEnv>;
  fetch: Fetch;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads a file as UTF-8. Default: from disk. */
  readFile?: (path: string) => Promise<string>;
  /** Aborts the command's calls; ends `tail` (exit status 0). The executable aborts it on Ctrl-C. */
  signal?: AbortSignal;
  /** Whether stderr is a terminal: `verify` then reports its progress. Default: false. */
  stderrIsTTY?: boolean;
  /** Where `audit export` streams its bytes without `--out`, with backpressure. Default: the text goes through `stdout`. */
  stdoutStream?: Writable;
  /** Reads the key `gatehouse login` was not given with --api-key (piped in, or a hidden prompt). Default: none, so login needs --api-key. */
  readSecret?: (prompt: string) => Promise<string>;
  /** Reads several secrets, one per prompt (`integrations slack connect`: piped in, one per line, or hidden prompts). Default: none, so such a command refuses. */
  readSecrets?: (prompts: readonly string[]) => Promise<string[]>;
  /** The credentials file's key and base URL, read by {@link main} when neither the flags nor the environment give them. */
  saved?: Credentials | null;
  /** Now, in ms since the epoch (whether a listed key has expired). Default: `Date.now`. */
  now?: () => number;
  /** Waits between `runs follow`'s reads; resolves early when the signal aborts. Default: a timer. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** Reads all of standard input as UTF-8 (`gatehouse hook`: the agent's payload). Default: none (an empty input). */
  readStdin?: () => Promise<string>;
  /** The user this runs as (whose files a key file must be). Default: `process.getuid()`; none where the system has no POSIX users. */
  uid?: number;
}

/** The --api-key and --base-url given on the command line. */
export interface ConnectionOptions {
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
}

/**
 * The credentials file's contents when the flags and the environment leave the key or the base URL
 * open (null without a file); the file is not read otherwise, so a broken one stops only the commands
 * that would use it.
 */
export async function savedCredentials(context: CliContext, given: ConnectionOptions): Promise<Credentials | null> {
  if (context.saved !== undefined) return context.saved;
  const keyGiven = given.apiKey !== undefined || Boolean(context.env.GATEHOUSE_API_KEY);
  const urlGiven = given.baseUrl !== undefined || Boolean(context.env.GATEHOUSE_BASE_URL);
  const path = credentialsPath(context.env);
  if ((keyGiven && urlGiven) || path === undefined) return null;
  // A file that is there but unreadable or not ours: CredentialsFileError, exit status 1 saying which.
  return readCredentials(path);
}

/** The I/O adapter every command runs with; `saved` is the credentials file's contents, when the command needs a key. */
export function cliIo(context: CliContext, given: ConnectionOptions, saved: Credentials | null | undefined): CliIo {
  const connection = (keyHint: string): { apiKey: string; baseUrl: string | undefined } => {
    const apiKey = given.apiKey ?? (context.env.GATEHOUSE_API_KEY || undefined) ?? saved?.apiKey;
    if (apiKey === undefined || apiKey === "") {
      throw new UsageError(`no API key: pass --api-key ${keyHint}, set GATEHOUSE_API_KEY or run gatehouse login`);
    }
    return { apiKey, baseUrl: given.baseUrl ?? (context.env.GATEHOUSE_BASE_URL || undefined) ?? saved?.baseUrl };
  };
  const makeClient = <C>(keyHint: string, create: (options: GatehouseOptions) => C): C => {
    const { apiKey, baseUrl } = connection(keyHint);
    try {
      return create({ apiKey, fetch: context.fetch, ...(baseUrl === undefined ? {} : { baseUrl }) });
    } catch (error) {
      // A malformed key or URL: the options are wrong, not the call.
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  };
  return {
    stdout: context.stdout,
    stderr: context.stderr,
    signal: context.signal,
    readFile: context.readFile ?? ((path: string) => readFileFromDisk(path, "utf8")),
    stderrIsTTY: context.stderrIsTTY ?? false,
    stdoutStream: context.stdoutStream,
    now: context.now ?? Date.now,
    sleep: context.sleep ?? sleepUnlessAborted,
    env: context.env,
    fetch: context.fetch,
    readSecret: context.readSecret,
    readSecrets: context.readSecrets,
    readStdin: context.readStdin ?? (() => Promise.resolve("")),
    uid: context.uid ?? process.getuid?.(),
    connection,
    admin: () => makeClient("gh_admin_…", (options) => new GatehouseAdmin(options)),
    // A command is one short process, not an agent at work: it opens no heartbeat session (docs/agents.md, Presence).
    client: () =>
      makeClient("gh_admin_… (or an agent's gh_… key)", (options) =>
        options.apiKey.startsWith("gh_admin_") ? new GatehouseAdmin(options) : new Gatehouse({ ...options, heartbeat: false }),
      ),
  };
}

/** A timer that an abort ends early: the command then sees its signal aborted and stops, with nothing thrown. */
function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
