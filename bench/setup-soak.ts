// Creates the soak benchmark org in DATABASE_URL: `svc.*` allowed, `mail.send` allowed under a rate
// condition (so Redis counts on the hot path), `deploy.*` needs one approval. Two agents (one for the
// steady calls, one for gates) and the owner's admin key (who approves).
// Prints { orgId, agentKey, gateKey, adminKey }.
import { applyPolicies, closeSignals, createAgent, createOrg, disconnectDb, issueAdminKey, systemCtx } from "@gatehouse/db";

const stamp = Date.now();
const created = await createOrg({ input: { slug: `bench-soak-${stamp}`, name: "Bench soak", owner: { email: `bench-soak-${stamp}@example.test`, name: "Bench" } } });
const ctx = systemCtx(created.org, "bench");
const agent = await createAgent({ ctx, input: { name: "soak-agent" } });
const gater = await createAgent({ ctx, input: { name: "soak-gate-agent" } });
const adminKey = await issueAdminKey({ ctx, input: { membershipId: created.owner.membershipId } });
await applyPolicies({
  ctx,
  input: {
    policies: [
      { name: "services", actions: ["svc.*"], effect: "allow" },
      { name: "mail", actions: ["mail.send"], effect: "allow" },
      { name: "mail-flood", actions: ["mail.send"], effect: "deny", when: { rate: { over: 1_000_000, windowSeconds: 60, per: "agent" } } },
      { name: "deploys", actions: ["deploy.*"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } },
    ],
  },
});
console.log(JSON.stringify({ orgId: created.org.id, agentKey: agent.apiKey, gateKey: gater.apiKey, adminKey: adminKey.apiKey }));
await disconnectDb();
await closeSignals();
