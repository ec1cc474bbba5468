// Creates the adapters benchmark's org in DATABASE_URL: one agent, a policy that allows its tool.
// Prints { agent } (the agent's key).
import { closeSignals, disconnectDb } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";

const org = await createTestOrg({ label: "bench-adapters", policies: [{ name: "reads", actions: ["tool.read_file"], effect: "allow" }] });
console.log(JSON.stringify({ agent: org.agent.apiKey }));
await disconnectDb();
await closeSignals();
