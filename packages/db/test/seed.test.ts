import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/migrate";
import { createTestDatabase, testDatabaseUrl } from "../src/testing";

/** `npm run db:seed` as a process: it must finish (Redis connections closed) and seed only once. */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let home: string;

beforeAll(async () => {
  database = await createTestDatabase(testDatabaseUrl(), "gatehouse_seed");
  await migrate({ url: database.url });
  home = await mkdtemp(join(tmpdir(), "gh-seed-"));
});
afterAll(async () => {
  await database?.drop();
  await rm(home, { recursive: true, force: true });
});

function seed(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/seed.ts"], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { ...process.env, DATABASE_URL: database.url, REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", GATEHOUSE_HOME: home },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`seed did not exit within 30 s: ${output}`));
    }, 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("db:seed", () => {
  it("seeds the demo org, writes dev.json and exits, with Redis configured", async () => {
    const first = await seed();
    expect(first.code).toBe(0);
    expect(first.output).toContain("seeded the demo org");
    const dev = JSON.parse(await readFile(join(home, "dev.json"), "utf8")) as Record<string, string>;
    expect(dev).toMatchObject({ orgSlug: "demo", adminEmail: "admin@gatehouse.local" });
    expect(dev.agentApiKey).toMatch(/^gh_agent_/);
    expect(dev.adminApiKey).toMatch(/^gh_admin_/);
  });

  it("a second run keeps the org and the credentials", async () => {
    const before = await readFile(join(home, "dev.json"), "utf8");
    const second = await seed();
    expect(second.code).toBe(0);
    expect(second.output).toContain("already seeded; kept it");
    const after = JSON.parse(await readFile(join(home, "dev.json"), "utf8")) as Record<string, string>;
    expect(after.agentApiKey).toBe(JSON.parse(before).agentApiKey);
    expect(after.adminPassword).toBe(JSON.parse(before).adminPassword);
  });
});
