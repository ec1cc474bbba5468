import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey, closeSignals, decideAction, disconnectDb, setAgentStatus, type Ctx } from "../src";
import { createDelegation } from "../src/delegations";
import { createTestOrg, type TestOrg } from "../src/testing";

// The checks before policy run in the order of their reasons' precedence (DENIAL_REASONS, core's pass-gates.ts), and
// stop at the first that denies: a call that several would refuse is refused for the first, and a halted agent never
// reaches the rate counter, so its refused calls cost none of the quota it has once resumed.

afterAll(async () => {
  await disconnectDb();
  await closeSignals();
});

const OVER = 3;
const POLICIES = [
  { name: "tools", actions: ["tool.*"], effect: "allow" },
  { name: "at-most", actions: ["tool.*"], when: { rate: { over: OVER, windowSeconds: 600, per: "agent" } }, effect: "deny" },
];

let org: TestOrg;
let agent: Ctx;
beforeAll(async () => {
  org = await createTestOrg({ label: "gates", policies: POLICIES });
  agent = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "gates" };
});

const agentId = () => (agent.actor.type === "agent" ? agent.actor.agentId : "");

describe("the gates before policy", () => {
  it("a halted agent's refused calls consume no rate quota: once resumed it has the whole quota", async () => {
    await setAgentStatus({ ctx: org.ctx, input: { agentId: agentId(), status: "halted" } });
    for (let i = 0; i < OVER + 2; i += 1)
      expect(await decideAction({ ctx: agent, input: { actionType: "tool.search", metadata: { i } } })).toMatchObject({ denialReason: "AGENT_HALTED" });
    await setAgentStatus({ ctx: org.ctx, input: { agentId: agentId(), status: "active" } });
    const statuses: string[] = [];
    for (let i = 0; i < OVER + 1; i += 1) statuses.push((await decideAction({ ctx: agent, input: { actionType: "tool.search", metadata: { after: i } } })).status);
    // `over: 3` holds from the fourth call in the window: three pass, then the rate refuses.
    expect(statuses).toEqual([...Array<string>(OVER).fill("executed"), "denied"]);
  });

  it("a delegate's out-of-scope call under a halted root is refused for the halt (precedence 1), not its scope (5) nor policy (15)", async () => {
    const fresh = await createTestOrg({ label: "gates-order", policies: POLICIES });
    const root: Ctx = { ...(await authenticateApiKey(fresh.agent.apiKey)), requestId: "gates-order" };
    const created = await createDelegation({ ctx: root, input: { name: "helper", capabilities: ["tool.*"], ttlSeconds: 600 } });
    const delegate: Ctx = { ...(await authenticateApiKey(created.apiKey)), requestId: "gates-order" };
    // Outside its capabilities and allowed by no policy: the delegation's gate (5) comes before policy's NO_POLICY (15).
    expect(await decideAction({ ctx: delegate, input: { actionType: "deploy.prod" } })).toMatchObject({ denialReason: "DELEGATION_SCOPE" });
    const rootId = root.actor.type === "agent" ? root.actor.agentId : "";
    await setAgentStatus({ ctx: fresh.ctx, input: { agentId: rootId, status: "halted" } });
    expect(await decideAction({ ctx: delegate, input: { actionType: "deploy.prod", metadata: { n: 2 } } })).toMatchObject({ denialReason: "AGENT_HALTED" });
  });
});
