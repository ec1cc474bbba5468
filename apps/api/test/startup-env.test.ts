import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, testDatabaseUrl } from "@gatehouse/db/testing";
import { describe, expect, it } from "vitest";

/** `npm run api` with `env` changed (undefined removes a variable): its exit code and what it printed. */
async function runApi(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const merged: Record<string, string | undefined> = { ...process.env, API_PORT: String(await freePort()), API_HOST: "127.0.0.1", ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: fileURLToPath(new URL("..", import.meta.url)), env: merged, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // A process that did start is stopped, so the test fails on its exit code instead of hanging.
  const timer = setTimeout(() => child.kill("SIGTERM"), 20_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe("an API process refuses to start on an unsafe configuration", () => {
  it("without DATABASE_URL, saying so (no database is guessed)", async () => {
    const { code, output } = await runApi({ DATABASE_URL: undefined });
    expect(code).toBe(1);
    expect(output).toContain("DATABASE_URL: is not set; point it at PostgreSQL");
  });

  it("in production without GATEHOUSE_MASTER_KEY, saying so (none is generated)", async () => {
    const { code, output } = await runApi({ DATABASE_URL: testDatabaseUrl(), NODE_ENV: "production", GATEHOUSE_MASTER_KEY: undefined });
    expect(code).toBe(1);
    expect(output).toContain("GATEHOUSE_MASTER_KEY is not set, and NODE_ENV is production");
  });
});
