// Creates the delegation benchmark org in DATABASE_URL: the 100 benchmark policies, one root agent and
// the owner's admin key. Prints { orgId, agentId, agentKey, adminKey }.
import { applyPolicies, closeSignals, createAgent, createOrg, disconnectDb, issueAdminKey, systemCtx } from "@gatehouse/db";
import { benchPolicies } from "./policies";

const stamp = Date.now();
const created = await createOrg({
  input: { slug: `bench-delegation-${stamp}`, name: "Bench delegation", owner: { email: `bench-delegation-${stamp}@example.test`, name: "Bench" } },
});
const ctx = systemCtx(created.org, "bench");
const agent = await createAgent({ ctx, input: { name: "bench-root-agent" } });
const adminKey = await issueAdminKey({ ctx, input: { membershipId: created.owner.membershipId } });
await applyPolicies({ ctx, input: { policies: benchPolicies() } });
console.log(JSON.stringify({ orgId: created.org.id, agentId: agent.id, agentKey: agent.apiKey, adminKey: adminKey.apiKey }));
await disconnectDb();
await closeSignals();
