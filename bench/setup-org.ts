// Creates the benchmark org (100 policies, one agent) in DATABASE_URL; prints { orgId, agentKey }.
import { applyPolicies, closeSignals, createAgent, createOrg, disconnectDb, systemCtx } from "@gatehouse/db";
import { benchPolicies } from "./policies";

const created = await createOrg({ input: { slug: `bench-${Date.now()}`, name: "Bench", owner: { email: `bench-${Date.now()}@example.test`, name: "Bench" } } });
const ctx = systemCtx(created.org, "bench");
const agent = await createAgent({ ctx, input: { name: "bench-agent" } });
await applyPolicies({ ctx, input: { policies: benchPolicies() } });
console.log(JSON.stringify({ orgId: created.org.id, agentKey: agent.apiKey }));
await disconnectDb();
await closeSignals();
