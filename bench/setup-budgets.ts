// Creates the budget benchmark's two orgs in DATABASE_URL, each with one agent, loop detection off and
// the same two policies (allow-all, and an allow on llm.*): in `budgeted` the second states a budget
// (per agent and day, far above what the benchmark spends, so every call is checked and reserves), in
// `plain` it does not — the decisions differ by the budget alone. Prints { budgeted, plain } agent keys.
import { closeSignals, disconnectDb, updateOrgSettings } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";

const allow = { name: "allow-all", actions: ["*"], effect: "allow" };
const budget = { name: "llm-budget", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 1e12, usd: 1e6 }, per: "agent-day", atLimit: "deny" } };
const budgeted = await createTestOrg({ label: "bench-budget-on", policies: [allow, budget] as never });
const { budget: _none, ...unbudgeted } = budget;
const plain = await createTestOrg({ label: "bench-budget-off", policies: [allow, unbudgeted] as never });
for (const org of [budgeted, plain]) await updateOrgSettings({ ctx: org.ctx, input: { loops: { enabled: false } } });
console.log(JSON.stringify({ budgeted: budgeted.agent.apiKey, plain: plain.agent.apiKey }));
await disconnectDb();
await closeSignals();
