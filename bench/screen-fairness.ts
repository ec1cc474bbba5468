// `npm run bench:screen-fairness` (issue 62, point 1): another org's decision latency while one org's costliest
// permitted content detectors (as many of the widest RE2 programs as the saving budget admits) screen the largest
// call the API takes, two at a time, back to back. One API process on a bench database; the victim's decisions are
// timed alone (before), during the attack and alone again (after), in the same run: the baseline is "alone".
// Prints a table; the recorded numbers are in bench/SCREEN-FAIRNESS.md.
import { cpus, loadavg } from "node:os";
import { costliestPermittedSet, largestCall, measureScreenFairness } from "../apps/api/test/screen-fairness";
import { benchDatabase, log, redisUrl, root, startApi, stopChildren } from "./lib";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const database = await benchDatabase();
try {
  const api = await startApi(
    { DATABASE_URL: database.url, REDIS_URL: redisUrl, LOG_LEVEL: "warn", API_KEY_FAILURE_LIMIT: "1000000" },
    `${root}/.gatehouse/bench-screen-fairness.log`,
  );
  const post = (path: string, key: string, body: string) =>
    fetch(`${api.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body });
  const { createTestOrg } = await import("@gatehouse/db/testing");
  process.env.DATABASE_URL = database.url;
  const policies = [{ name: "allow-pr", actions: ["pr.*"], effect: "allow" }];
  const [attacker, victim] = await Promise.all([createTestOrg({ label: "attacker", policies }), createTestOrg({ label: "victim", policies })]);
  const set = costliestPermittedSet();
  for (const spec of set) {
    const created = await post("/v1/content/detectors", attacker.adminKey.apiKey, JSON.stringify({ name: spec.name, class: spec.class, pattern: spec.pattern }));
    if (created.status !== 201) throw new Error(`detector ${spec.name}: ${created.status} ${await created.text()}`);
  }
  let pr = 0;
  const victimDecision = async () => {
    const answer = await post("/v1/actions", victim.agent.apiKey, JSON.stringify({ actionType: "pr.open", metadata: { pr: (pr += 1) } }));
    await answer.arrayBuffer();
  };
  for (let i = 0; i < 20; i += 1) await victimDecision();
  const body = largestCall();
  console.log(
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; attacker: ${set.length} detectors, a ${body.length}-byte call, 2 at a time; ${SAMPLES} victim decisions a phase`,
  );
  console.log("| round | victim p50 / p99 alone before (ms) | during | alone after | p99 during ÷ slower alone | attacker answers |");
  console.log("|---|---|---|---|---|---|");
  for (let round = 1; round <= ROUNDS; round += 1) {
    const result = await measureScreenFairness({
      samples: SAMPLES,
      attackers: 2,
      victimDecision,
      attackerCall: async () => {
        const answer = await post("/v1/actions", attacker.agent.apiKey, body);
        await answer.arrayBuffer();
        return answer.status;
      },
    });
    const ratio = result.during.p99 / Math.max(result.before.p99, result.after.p99);
    const cell = (phase: { p50: number; p99: number }) => `${phase.p50.toFixed(1)} / ${phase.p99.toFixed(1)}`;
    console.log(`| ${round} | ${cell(result.before)} | ${cell(result.during)} | ${cell(result.after)} | ${ratio.toFixed(2)} | ${JSON.stringify(result.attacker)} |`);
  }
} finally {
  log("stopping");
  await stopChildren();
  await database.drop();
}
process.exit(0);
