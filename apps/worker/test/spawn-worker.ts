import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** `npm run worker` as a process: what it prints, and how it exits. */
export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * A real `apps/worker` process. The jobs that reach outside the database (webhook receivers, Slack, mail) would act
 * on the orgs of other suites sharing it: these workers run the rest (leadership is the same for every job). An
 * `env` value of undefined unsets the variable.
 */
export function spawnWorker(env: Record<string, string | undefined>): WorkerProcess {
  const merged: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: "info", WORKER_JOBS_EXCLUDE: "webhook-delivery,approval-notices", ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: merged,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Resolves once the worker printed `text`; fails with what it printed after `timeoutMs`. */
export async function printed(worker: WorkerProcess, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!worker.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`worker did not print "${text}" within ${timeoutMs} ms; it printed:\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
