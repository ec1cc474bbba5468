// Creates the capacity benchmark's orgs in DATABASE_URL (bench/capacity.ts), each with the 100-policy set
// (bench/policies.ts: `svc1.read` is allowed, `svc1.merge` with metadata.size over 50 needs one approval):
//   solo    one org with AGENTS (16) agents: many agents' decisions through one log head;
//   spread  SPREAD (16) orgs with one agent and the owner's admin key each: the same load over many heads;
//   hooks   HOOK_ORGS (8) orgs with HOOKS_PER_ORG (4) webhook endpoints each, subscribed to every event, at
//           RECEIVER_URL/h<org>-<n> (none without RECEIVER_URL).
// Prints their keys, and the endpoints' paths and secrets.
import { closeSignals, createAgent, createWebhook, disconnectDb } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import { benchPolicies } from "./policies";

const count = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const policies = benchPolicies();

const solo = await createTestOrg({ label: "cap-solo", policies });
const soloKeys = [solo.agent.apiKey];
for (let i = 1; i < count("AGENTS", 16); i += 1) soloKeys.push((await createAgent({ ctx: solo.ctx, input: { name: `agent-${i}` } })).apiKey);

const spread: Array<{ orgId: string; agentKey: string; adminKey: string }> = [];
for (let i = 0; i < count("SPREAD", 16); i += 1) {
  const org = await createTestOrg({ label: `cap-spread-${i}`, policies });
  spread.push({ orgId: org.org.id, agentKey: org.agent.apiKey, adminKey: org.adminKey.apiKey });
}

const hooks: Array<{ orgId: string; agentKey: string }> = [];
const endpoints: Record<string, string> = {};
const receiver = process.env.RECEIVER_URL;
for (let i = 0; receiver && i < count("HOOK_ORGS", 8); i += 1) {
  const org = await createTestOrg({ label: `cap-hooks-${i}`, policies });
  hooks.push({ orgId: org.org.id, agentKey: org.agent.apiKey });
  for (let n = 0; n < count("HOOKS_PER_ORG", 4); n += 1) {
    const path = `/h${i}-${n}`;
    endpoints[path] = (await createWebhook({ ctx: org.ctx, input: { url: `${receiver}${path}`, events: ["*"] } })).secret;
  }
}
console.log(JSON.stringify({ solo: { orgId: solo.org.id, agentKeys: soloKeys }, spread, hooks, endpoints }));
await disconnectDb();
await closeSignals();
