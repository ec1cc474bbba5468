import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "@gatehouse/db/testing";
import { fileURLToPath } from "node:url";

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

const START_LIMIT_MS = 90_000;

/** A real `apps/api` process (what `npm run api` runs) on a free port, ready when /healthz answers. */
export async function spawnApi(env: Record<string, string>, unset: string[] = [], fixedPort?: number, on?: { ns: string; address: string }): Promise<ApiProcess> {
  const port = fixedPort ?? (await freePort());
  const base: Record<string, string | undefined> = { ...process.env };
  for (const name of unset) delete base[name];
  const address = on?.address ?? "127.0.0.1";
  // `on`: a host of its own, a network namespace (faults/hosts.ts); `ip netns exec` runs node in it as this same process.
  const [command, args] = on ? ["ip", ["netns", "exec", on.ns, process.execPath, "--import", "tsx", "src/main.ts"]] : [process.execPath, ["--import", "tsx", "src/main.ts"]];
  const child = spawn(command, args, {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    // The suites send many bad keys from 127.0.0.1 on purpose: a limit they cannot reach (auth-abuse.test.ts tests the limit).
    env: { ...base, LOG_LEVEL: "warn", API_KEY_FAILURE_LIMIT: "1000000", ...env, API_PORT: String(port), API_HOST: address },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://${address}:${port}`;
  // A bound on a start that hangs, not a speed target: the start (tsx loading the API) shares the cores with the file
  // the other Vitest worker runs, and took over 30 s beside it.
  const deadline = Date.now() + START_LIMIT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`api process exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      // Not left running: nothing would stop it, and it would keep the test run from ending.
      child.kill("SIGKILL");
      throw new Error(`api process did not become healthy in ${START_LIMIT_MS / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
