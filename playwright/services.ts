import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { freePort } from "@gatehouse/db/testing";

export { freePort };

export interface Service {
  name: string;
  logFile: string;
  /** Resolves once `url` answers 200; rejects if the process exits first or `timeoutMs` passes. */
  waitUntilHealthy(url: string, timeoutMs: number): Promise<void>;
  /** SIGTERM to the service's process group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a long-running command in its own process group (npm → sh → tsx → node all share it), so
 * stopping it ends exactly the processes this run started. Output goes to `<logDir>/<name>.log`.
 */
export function startService(options: { name: string; command: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; logDir: string }): Service {
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      exited = true;
      resolve(code);
    });
  });

  const tail = async () => {
    const text = await readFile(logFile, "utf8").catch(() => "");
    return text.split("\n").slice(-30).join("\n");
  };

  return {
    name: options.name,
    logFile,
    async waitUntilHealthy(url, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exited) throw new Error(`${options.name} exited before it was healthy; last output:\n${await tail()}`);
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
          if (response.status === 200) return;
        } catch {
          // Not listening yet.
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`${options.name} was not healthy at ${url} within ${timeoutMs} ms; last output:\n${await tail()}`);
    },
    async stop(graceMs = 5_000) {
      const pid = child.pid;
      if (exited || pid === undefined) return;
      const signalGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pid, signal);
        } catch {
          // Already gone.
        }
      };
      signalGroup("SIGTERM");
      const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs));
      if ((await Promise.race([exit, timer])) === "timeout") {
        signalGroup("SIGKILL");
        await exit;
      }
      log.end();
    },
  };
}

/** Runs a command to completion with inherited output; rejects on a non-zero exit. */
export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`))));
  });
}

/**
 * A Redis of this run's own (no persistence), so the services' rate counters and signals start empty:
 * the shared Redis keeps the per-address counts of earlier runs for their whole window (an hour for
 * the mail requests every sign-up spec makes). Answers its URL and how to stop it.
 */
export async function startPrivateRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("the private Redis did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" }, () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
  });
}
