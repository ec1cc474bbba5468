import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";

/** The CLI from its source, as the suites run it (from the repository's root). */
export const CLI_FROM_SOURCE = ["--conditions=@gatehouse/source", "--import", "tsx", "packages/cli/src/bin.ts"];

/** `gatehouse witness init`: a witness's key in `dir`; resolves with its verifier key. */
export async function initWitness(dir: string, name: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [...CLI_FROM_SOURCE, "witness", "init", "--dir", dir, "--name", name], { cwd: process.cwd() });
  return stdout.trim();
}

/** `gatehouse witness serve` of `dir` for the logs in `keysFile`, on `port` (0: a free one); resolves once it says where it listens. */
export async function serveWitness(dir: string, keysFile: string, port = 0): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCE, "witness", "serve", "--dir", dir, "--log", `@${keysFile}`, "--port", String(port)], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let said = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      said += chunk.toString();
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(said);
      if (match) resolve(match[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`the witness exited (${code}): ${said}`)));
  });
  return { url, child };
}

/** Stops a child process with SIGTERM and waits for it to exit (at once when it already has). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
