// Creates the overview benchmark org in DATABASE_URL: the 100 benchmark policies, 20 agents, three
// approvers and an owner's admin key. Prints { orgId, slug, ownerMembershipId, ownerUserId, agentIds,
// approverMembershipIds, adminKey, agentKey }.
import { applyPolicies, closeSignals, createAgent, disconnectDb } from "@gatehouse/db";
import { addTestMember, createTestOrg } from "@gatehouse/db/testing";
import { benchPolicies } from "./policies";

const org = await createTestOrg({ label: "bench-overview" });
await applyPolicies({ ctx: org.ctx, input: { policies: benchPolicies() } });
const agentIds = [org.agent.id];
for (let i = 1; i < 20; i += 1) agentIds.push((await createAgent({ ctx: org.ctx, input: { name: `bench-agent-${i}` } })).id);
const approvers = [];
for (let i = 0; i < 3; i += 1) approvers.push(await addTestMember(org, "approver", `approver${i}`));
console.log(
  JSON.stringify({
    orgId: org.org.id,
    slug: org.org.slug,
    ownerMembershipId: org.owner.membershipId,
    ownerUserId: org.owner.userId,
    agentIds,
    approverMembershipIds: approvers.map((a) => a.membershipId),
    adminKey: org.adminKey.apiKey,
    agentKey: org.agent.apiKey,
  }),
);
await disconnectDb();
await closeSignals();
