// Creates the loop benchmark's two orgs in DATABASE_URL, each with one agent and the same allow-all
// policy: `detected` keeps loop detection on (the default, docs/loops.md), `off` has it turned off.
// Prints { detected, off } agent keys.
import { closeSignals, disconnectDb, updateOrgSettings } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";

const allow = [{ name: "allow-all", actions: ["*"], effect: "allow" }];
const detected = await createTestOrg({ label: "bench-loops-on", policies: allow });
const off = await createTestOrg({ label: "bench-loops-off", policies: allow });
await updateOrgSettings({ ctx: off.ctx, input: { loops: { enabled: false } } });
console.log(JSON.stringify({ detected: detected.agent.apiKey, off: off.agent.apiKey }));
await disconnectDb();
await closeSignals();
