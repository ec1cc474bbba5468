// Creates the approvals benchmark org in DATABASE_URL: every `pr.merge` needs one approval.
// Prints { orgId, agentKey, adminKey } (the admin key is the owner's, who may approve).
import { applyPolicies, closeSignals, createAgent, createOrg, disconnectDb, issueAdminKey, systemCtx } from "@gatehouse/db";

const stamp = Date.now();
const created = await createOrg({ input: { slug: `bench-approvals-${stamp}`, name: "Bench approvals", owner: { email: `bench-approvals-${stamp}@example.test`, name: "Bench" } } });
const ctx = systemCtx(created.org, "bench");
const agent = await createAgent({ ctx, input: { name: "bench-gate-agent" } });
const adminKey = await issueAdminKey({ ctx, input: { membershipId: created.owner.membershipId } });
await applyPolicies({ ctx, input: { policies: [{ name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } }] } });
console.log(JSON.stringify({ orgId: created.org.id, agentKey: agent.apiKey, adminKey: adminKey.apiKey }));
await disconnectDb();
await closeSignals();
