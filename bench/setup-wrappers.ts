// Creates the model-client wrappers benchmark's org in DATABASE_URL: one agent and a policy that allows
// model calls (llm.*) within a budget per agent and day far above what the benchmark spends, so every
// call is checked and reserves. Prints { agent } (the agent's key).
import { closeSignals, disconnectDb } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";

const budget = { name: "llm", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 1e12, usd: 1e6 }, per: "agent-day", atLimit: "deny" } };
const org = await createTestOrg({ label: "bench-wrappers", policies: [budget] });
console.log(JSON.stringify({ agent: org.agent.apiKey }));
await disconnectDb();
await closeSignals();
