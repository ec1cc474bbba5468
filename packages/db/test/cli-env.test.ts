import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** A db CLI (`npm run db:migrate`, `npm run db:seed`) without DATABASE_URL: its exit code and output. */
function runWithoutDatabaseUrl(script: string): Promise<{ code: number | null; output: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: fileURLToPath(new URL("..", import.meta.url)), env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

describe("migrate and seed never guess a database", () => {
  it.each(["src/cli/migrate.ts", "src/cli/seed.ts"])("%s without DATABASE_URL exits 1, saying so", async (script) => {
    const { code, output } = await runWithoutDatabaseUrl(script);
    expect(code).toBe(1);
    expect(output).toMatch(/^\[(migrate|seed)\] Invalid environment for @gatehouse\/db: DATABASE_URL: is not set; point it at PostgreSQL/m);
  });
});
