import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process group whose output lines are printed with a `[name]` prefix. */
export interface ManagedProcess {
  readonly name: string;
  /** Resolves when the child has exited and its output is flushed. */
  readonly exited: Promise<ExitStatus>;
  /** Whether stop() was called (an exit after it is expected). */
  readonly stopping: boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the child has exited. */
  stop(graceMs: number): Promise<ExitStatus>;
  /** SIGKILL to the whole group now. */
  kill(): void;
}

export interface StartOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where prefixed lines go (default: this process's stdout). */
  log?: (line: string) => void;
}

/**
 * Starts a command in its own process group (so Ctrl-C in the terminal reaches only the launcher,
 * which then stops children in order, and stop() reaches grandchildren such as npm → tsx → node).
 */
export function startProcess(options: StartOptions): ManagedProcess {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `[${options.name}]`;
  const pipeLines = (stream: Readable | null): Promise<void> => {
    if (!stream) return Promise.resolve();
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on("line", (line) => log(line.startsWith(prefix) ? line : `${prefix} ${line}`));
    return new Promise((resolve) => lines.once("close", resolve));
  };
  const output = Promise.all([pipeLines(child.stdout), pipeLines(child.stderr)]);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("error", (error) => {
      log(`${prefix} could not start ${options.command}: ${error.message}`);
      resolve({ code: 127, signal: null });
    });
    child.once("exit", (code, signal) => {
      // Grandchildren may hold the pipes open; give the output a moment, then move on.
      void Promise.race([output, new Promise((r) => setTimeout(r, 2_000).unref())]).then(() => resolve({ code, signal }));
    });
  });
  let stopping = false;
  let exitedYet = false;
  void exited.then(() => {
    exitedYet = true;
  });

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  };

  return {
    name: options.name,
    exited,
    get stopping() {
      return stopping;
    },
    async stop(graceMs) {
      stopping = true;
      if (!exitedYet) {
        signalGroup("SIGTERM");
        const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // The direct child is gone; make sure nothing it started lingers in the group.
      signalGroup("SIGKILL");
      return exited;
    },
    kill() {
      stopping = true;
      signalGroup("SIGKILL");
    },
  };
}

/** Runs a command to completion (prefixed output); rejects if it fails or outlives `timeoutMs`. */
export async function runToCompletion(options: StartOptions & { timeoutMs: number; onStart?: (child: ManagedProcess) => void }): Promise<void> {
  const child = startProcess(options);
  options.onStart?.(child);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(5_000);
  }, options.timeoutMs);
  const status = await child.exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`${options.name} did not finish within ${Math.round(options.timeoutMs / 1000)} s`);
  if (status.code !== 0) {
    throw new Error(`${options.name} failed (${status.signal ? `signal ${status.signal}` : `exit code ${status.code}`})`);
  }
}
