// In-process decision speed: Gatehouse's compiled PolicySet vs Cedar (wasm) on the same 100 policies.
// One thread, same machine, same run. Prints one JSON line.
import { compilePolicy, parsePolicySet, PolicySet } from "@gatehouse/core";
import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { benchPolicies, benchRequests, cedarPolicyText } from "./policies";

const policies = benchPolicies();
const documents = parsePolicySet({ policies });
const set = new PolicySet(documents.map((d, i) => compilePolicy(d, { versionId: `pv_${i}`, version: 1 })));
const requests = benchRequests(10_000);
const agent = { id: "agt_bench", name: "bench-agent", labels: { team: "bench" } };

function timeIt(label: string, iterations: number, fn: (i: number) => unknown): { label: string; iterations: number; seconds: number; perSecond: number; microsPer: number } {
  for (let i = 0; i < Math.min(iterations, 20_000); i += 1) fn(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { label, iterations, seconds: Number(seconds.toFixed(3)), perSecond: Math.round(iterations / seconds), microsPer: Number(((seconds / iterations) * 1e6).toFixed(3)) };
}

const facts = requests.map((r) => ({ actionType: r.actionType, agent, metadata: r.metadata, dataAccessed: [{ type: "source", sensitivity: r.sensitivity[0] ?? "internal" }] }));
const effects = { allow: 0, deny: 0, require_approval: 0 };
const gatehouse = timeIt("gatehouse PolicySet.evaluate", 2_000_000, (i) => {
  const d = set.evaluate(facts[i % facts.length]!);
  effects[d.effect] += 1;
});

const text = cedarPolicyText(policies);
const parsed = cedar.preparsePolicySet("bench", { staticPolicies: text });
if (parsed.type !== "success") throw new Error(`Cedar could not parse the set: ${JSON.stringify(parsed)}`);
const calls = requests.map((r) => ({
  principal: { type: "Agent", id: agent.name },
  action: { type: "Action", id: r.actionType },
  resource: { type: "Resource", id: "r" },
  context: { size: r.metadata.size, env: r.metadata.env, sensitivities: r.sensitivity },
  preparsedPolicySetId: "bench",
  entities: [],
}));
let cedarAllows = 0;
const cedarRun = timeIt("cedar-wasm statefulIsAuthorized (preparsed)", 20_000, (i) => {
  const answer = cedar.statefulIsAuthorized(calls[i % calls.length]!);
  if (answer.type !== "success") throw new Error(JSON.stringify(answer.errors));
  if (answer.response.decision === "allow") cedarAllows += 1;
});

// The comparison is only fair if both engines decide alike: allow (enforced) vs anything else.
let disagreements = 0;
for (let i = 0; i < 2000; i += 1) {
  const d = set.evaluate(facts[i]!);
  const answer = cedar.statefulIsAuthorized(calls[i]!);
  const cedarAllow = answer.type === "success" && answer.response.decision === "allow";
  if ((d.effect === "allow" && d.mode === "enforce") !== cedarAllow) disagreements += 1;
}

console.log(
  JSON.stringify({
    policies: policies.length,
    cedarPolicies: text.split("\n@id").length,
    cedarVersion: cedar.getCedarVersion(),
    gatehouse,
    cedar: cedarRun,
    ratio: Number((gatehouse.perSecond / cedarRun.perSecond).toFixed(1)),
    sanity: { disagreementsIn2000: disagreements, gatehouseEffects: effects, cedarAllowShare: Number((cedarAllows / cedarRun.iterations).toFixed(3)) },
  }),
);
