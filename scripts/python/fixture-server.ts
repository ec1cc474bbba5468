/**
 * What the Python SDK's pytest suite (packages/sdk-python/tests) runs against, started by its conftest:
 * a fresh, migrated PostgreSQL database (dropped at the end), a real API process on it (`spawnApi`, what
 * `npm run api` runs) and a small factory on loopback that makes a fresh org per test:
 * `POST /orgs {"policies": [...]}` → the agent's key, the owner's admin key and an approver's admin key.
 * Prints one JSON line `{"api": url, "factory": url}` when ready; stops everything when its standard
 * input closes (the suite ended, or died) or on SIGTERM.
 */
import { createServer } from "node:http";
import { migrate } from "@gatehouse/db/migrate";
import { addTestMember, createTestDatabase, createTestOrg } from "@gatehouse/db/testing";
import { spawnApi } from "../../apps/api/test/spawn-api.ts";

const base = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const database = await createTestDatabase(base, "gatehouse_python");
process.env.DATABASE_URL = database.url;
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
process.env.GATEHOUSE_MASTER_KEY ??= Buffer.alloc(32, 7).toString("base64");
process.env.GATEHOUSE_CONSOLE_URL ??= "https://console.gatehouse.test";
await migrate({ url: database.url });
const api = await spawnApi({ DATABASE_URL: database.url, REDIS_URL: process.env.REDIS_URL });

const factory = createServer((request, response) => {
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (chunk: string) => (body += chunk));
  request.on("end", () => {
    void (async () => {
      if (request.method !== "POST" || request.url !== "/orgs") return answer(404, { error: "POST /orgs" });
      const { policies } = JSON.parse(body || "{}") as { policies?: unknown[] };
      const org = await createTestOrg({ label: "python", ...(policies ? { policies } : {}) });
      const approver = await addTestMember(org, "approver");
      answer(200, {
        orgId: org.org.id,
        agentId: org.agent.id,
        agentKey: org.agent.apiKey,
        adminKey: org.adminKey.apiKey,
        approverKey: approver.apiKey,
        approverEmail: approver.email,
      });
    })().catch((error: unknown) => answer(500, { error: String(error) }));
  });
  function answer(status: number, value: unknown): void {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
  }
});
await new Promise<void>((resolve) => factory.listen(0, "127.0.0.1", resolve));
const address = factory.address();
const port = typeof address === "object" && address !== null ? address.port : 0;
process.stdout.write(`${JSON.stringify({ api: api.url, factory: `http://127.0.0.1:${port}` })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  factory.close();
  await api.stop();
  await database.drop();
  process.exit(0);
}
process.stdin.on("end", () => void stop());
process.stdin.on("close", () => void stop());
process.stdin.resume();
process.on("SIGTERM", () => void stop());
