import { inject } from "vitest";

// Runs in each test worker before any module reads the environment. Each worker has a database of its own
// (global-setup.ts): VITEST_POOL_ID is 1 to maxWorkers.
const databases = inject("databaseUrls");
process.env.DATABASE_URL = databases[(Number(process.env.VITEST_POOL_ID ?? "1") - 1) % databases.length];
// Integration tests run against real Redis too (the local one unless REDIS_URL says otherwise).
process.env.REDIS_URL ??= "redis://127.0.0.1:6379";
// A fixed master key, so tests never write one under the repository and can decrypt signing keys.
process.env.GATEHOUSE_MASTER_KEY ??= Buffer.alloc(32, 7).toString("base64");
// Every mailed link starts with the configured console origin; the tests assert that it does.
process.env.GATEHOUSE_CONSOLE_URL = "https://console.gatehouse.test";
// Integration tests run as an instance started for development: without SMTP_URL, mail goes to the development outbox.
process.env.GATEHOUSE_DEVELOPMENT = "1";
// Webhook receivers in the tests listen on loopback (the SSRF suite sets 0 before anything reads it).
process.env.GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE ??= "1";
// Every test org's owner gets TEST_PASSWORD's one hash, made in global setup (createTestOrg); imported last, once the
// environment above is set.
const { useTestPasswordHash } = await import("../src/testing");
useTestPasswordHash(inject("testPasswordHash"));
