// Creates the webhook benchmark's two orgs in DATABASE_URL (bench/webhooks.ts), each with one agent, an
// allow-all policy and loop detection off; `hooked` has three endpoints subscribed to every event, at
// the receiver's /a, /b and /c (RECEIVER_URL). Prints the agents' keys, the endpoints and their secrets.
import { closeSignals, createWebhook, disconnectDb, updateOrgSettings } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";

const allow = [{ name: "allow-all", actions: ["*"], effect: "allow" }];
const hooked = await createTestOrg({ label: "bench-hooks-on", policies: allow });
const plain = await createTestOrg({ label: "bench-hooks-off", policies: allow });
for (const org of [hooked, plain]) await updateOrgSettings({ ctx: org.ctx, input: { loops: { enabled: false } } });
const endpoints: Record<string, { id: string; secret: string }> = {};
for (const path of ["/a", "/b", "/c"]) {
  const { webhook, secret } = await createWebhook({ ctx: hooked.ctx, input: { url: `${process.env.RECEIVER_URL}${path}`, events: ["*"] } });
  endpoints[path] = { id: webhook.id, secret };
}
console.log(JSON.stringify({ hooked: hooked.agent.apiKey, hookedOrg: hooked.org.id, plain: plain.agent.apiKey, endpoints }));
await disconnectDb();
await closeSignals();
