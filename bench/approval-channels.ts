// `npm run bench:approval-channels`: how soon a waiting gate() wakes when its approval is decided from
// Slack, beside a console vote (docs/approvals.md, Slack). One API process with Redis, an org whose policy
// posts merges to a Slack channel, a stand-in for Slack's Web API (the API's official @slack/web-api
// client talks to it) that proved the org's Slack app, and the worker posting each request to the channel.
// Each round: the agent asks, the worker posts it, its long-poll wait is parked, then the request is
// decided — by an approver's vote (`POST /v1/admin/approvals/:id/decision`, the console's own verb) or by a
// signed Slack click on the message the worker posted — and the time from sending the decision to the wait's
// answer is measured. The two alternate, ROUNDS each. An emailed link decides through the same vote as the
// console (a server action calling decideApproval), so its wake is the console's.
// Goal: a Slack click wakes the gate within the console's latency plus Slack's own work (reading the
// clicker's email): p50 ≤ console p50 + 50 ms. Writes bench/results/approval-channels-*.json and
// bench/APPROVAL-CHANNELS.md. Needs PostgreSQL (DATABASE_URL's server) and Redis.
import { loadavg } from "node:os";
import { startSlackStandIn } from "@gatehouse/db/testing";
import { background, benchRun, log, percentile, recordResults, run, waitFor } from "./lib";

const PORT = "4948";
const api = `http://127.0.0.1:${PORT}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const round2 = (v: number) => Math.round(v * 100) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await benchRun(async ({ machine, env }) => {
  const slack = await startSlackStandIn();
  try {
    const serviceEnv = { ...env, GATEHOUSE_SLACK_API_URL: slack.url };
    const setup = JSON.parse(run("npx", ["tsx", "bench/setup-approval-channels.ts"], serviceEnv).trim().split("\n").pop() as string) as {
      orgId: string;
      agentKey: string;
      adminKey: string;
      approverKey: string;
      slackUserEmail: string;
    };
    slack.users.set("U0BENCH", { email: setup.slackUserEmail });
    background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...serviceEnv, API_PORT: PORT });
    await waitFor(`${api}/healthz`);
    const connect = await fetch(`${api}/v1/admin/integrations/slack`, {
      method: "PUT",
      headers: { authorization: `Bearer ${setup.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ botToken: slack.botToken, signingSecret: slack.signingSecret }),
    });
    if (connect.status !== 200) throw new Error(`connecting Slack answered ${connect.status}`);
    // Slack proves the app (its url_verification, signed with the app's secret): only then does the worker post and do clicks count.
    const proof = slack.urlVerification();
    const proven = await fetch(`${api}/v1/slack/${setup.orgId}/events`, { method: "POST", headers: proof.headers, body: proof.body });
    if (proven.status !== 200) throw new Error(`Slack's url_verification answered ${proven.status}`);
    // The worker posts each request to the channel; a click counts only on the message it posted.
    background(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], serviceEnv);

    let pr = 0;
    const ask = async (): Promise<string> => {
      const response = await fetch(`${api}/v1/actions`, {
        method: "POST",
        headers: { authorization: `Bearer ${setup.agentKey}`, "content-type": "application/json" },
        body: JSON.stringify({ actionType: "pr.merge", metadata: { pr: (pr += 1) } }),
      });
      const body = (await response.json()) as { status: string; approvalId?: string };
      if (body.status !== "requested" || !body.approvalId) throw new Error(`expected an approval, got ${JSON.stringify(body)}`);
      return body.approvalId;
    };
    const decide: Record<"console" | "slack", (approvalId: string) => Promise<number>> = {
      console: async (approvalId) =>
        (
          await fetch(`${api}/v1/admin/approvals/${approvalId}/decision`, {
            method: "POST",
            headers: { authorization: `Bearer ${setup.approverKey}`, "content-type": "application/json" },
            body: JSON.stringify({ decision: "approve" }),
          })
        ).status,
      slack: async (approvalId) => {
        const click = slack.click({ approvalId, action: "approve", user: "U0BENCH", channel: "C0BENCH" });
        return (await fetch(`${api}/v1/slack/${setup.orgId}/interactions`, { method: "POST", headers: click.headers, body: click.body })).status;
      },
    };
    const wakes: Record<"console" | "slack", number[]> = { console: [], slack: [] };
    for (let round = 0; round < ROUNDS + 3; round += 1) {
      for (const channel of round % 2 ? (["slack", "console"] as const) : (["console", "slack"] as const)) {
        const approvalId = await ask();
        // Both channels wait for the worker's message, so neither round measures it.
        for (let waited = 0; !slack.posted.some((m) => m.approvalId === approvalId); waited += 20) {
          if (waited > 15_000) throw new Error("the worker posted no Slack message for the request");
          await sleep(20);
        }
        const waiting = fetch(`${api}/v1/approvals/${approvalId}/wait?timeoutMs=20000`, { headers: { authorization: `Bearer ${setup.agentKey}` } }).then(async (r) => ({
          body: (await r.json()) as { status: string },
          at: performance.now(),
        }));
        await sleep(100); // the wait is parked
        const sent = performance.now();
        const status = await decide[channel](approvalId);
        if (status !== 200) throw new Error(`${channel} decision answered ${status}`);
        const woke = await waiting;
        if (woke.body.status !== "approved") throw new Error(`${channel}: the gate woke with ${woke.body.status}`);
        if (round >= 3) wakes[channel].push(woke.at - sent); // the first rounds warm the caches and the JIT
      }
      if (round % 10 === 0) log(`round ${round + 1}/${ROUNDS + 3}`);
    }
    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { n: sorted.length, p50: round2(percentile(sorted, 50)), p90: round2(percentile(sorted, 90)), max: round2(sorted.at(-1) ?? 0) };
    };
    const results = {
      machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
      settings: { ROUNDS },
      console: stats(wakes.console),
      slack: stats(wakes.slack),
      goal: { slackP50AtMostConsoleP50PlusMs: 50 },
    };
    recordResults("approval-channels", "APPROVAL-CHANNELS", machine.date, results, (stamp) => summary(results, stamp));
  } finally {
    await slack.close();
  }
});

function summary(r: { machine: Record<string, unknown>; settings: { ROUNDS: number }; console: Stat; slack: Stat }, stamp: string): string {
  const met = r.slack.p50 <= r.console.p50 + 50;
  return `# Approval channels: how soon a gate() wakes when decided from Slack

Latest run: \`npm run bench:approval-channels\` (${stamp}); raw numbers in \`bench/results/approval-channels-${stamp}.json\`.
Machine: ${JSON.stringify(r.machine)}

One API process with Redis; a stand-in for Slack's Web API (the API's @slack/web-api client reads the
clicker's email from it). ${r.settings.ROUNDS} rounds each, alternating: the agent asks, its wait is parked, the request is
decided, and the time from sending the decision to the wait's answer is measured. The baseline is the
console's vote, measured in the same run. An emailed link decides through the same vote as the console.

| decided by | n | wake ms p50 | p90 | max |
| --- | ---: | ---: | ---: | ---: |
| an approver's vote (the console's verb) — baseline | ${r.console.n} | ${r.console.p50} | ${r.console.p90} | ${r.console.max} |
| a Slack click (verified, email looked up, the same vote) | ${r.slack.n} | ${r.slack.p50} | ${r.slack.p90} | ${r.slack.max} |

- Slack p50 ≤ console p50 + 50 ms: ${met ? "met" : "**missed**"}. A Slack click is answered at once (Slack's
  3-second window); its vote follows the answer, so the wake includes the \`users.info\` round trip.
`;
}

interface Stat {
  n: number;
  p50: number;
  p90: number;
  max: number;
}
