// Creates the approval-channels benchmark's org in DATABASE_URL (bench/approval-channels.ts): merges need a
// person and are posted to a Slack channel; an approver with an admin key (the console's vote) and a member
// whose email the Slack stand-in gives its clicker. Loop detection off. Prints the keys and the email.
import { closeSignals, disconnectDb, updateOrgSettings } from "@gatehouse/db";
import { addTestMember, createTestOrg } from "@gatehouse/db/testing";

const org = await createTestOrg({
  label: "bench-channels",
  policies: [{ name: "merges", actions: ["pr.merge"], effect: "require_approval", approval: { timeoutSeconds: 600, notify: { slack: ["C0BENCH"] } } }],
});
await updateOrgSettings({ ctx: org.ctx, input: { loops: { enabled: false } } });
const approver = await addTestMember(org, "approver", "bench-console");
const clicker = await addTestMember(org, "approver", "bench-slack");
console.log(JSON.stringify({ orgId: org.org.id, agentKey: org.agent.apiKey, adminKey: org.adminKey.apiKey, approverKey: approver.apiKey, slackUserEmail: clicker.email }));
await disconnectDb();
await closeSignals();
