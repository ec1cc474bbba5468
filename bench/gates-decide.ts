// A separate process for the deciding side of bench/gates.ts (an operator is never in the agent's process):
// reads one `{ apiUrl, adminKey, orgId, approvalIds, decision }` a line on stdin; it subscribes to the Redis
// channel the API publishes its `approvals.changed` signal on after a decision commits, and for each line sends
// the bulk decision (1,000 ids a call) and prints a line `{ sentAt, returnedAt, committedAt: { id: ms } }`: when the
// decision call was sent and returned, and when each approval's signal arrived here (the commit, seen).
import { createInterface } from "node:readline";
import { Redis } from "ioredis";

interface Input {
  apiUrl: string;
  adminKey: string;
  orgId: string;
  approvalIds: string[];
  decision: "approve" | "deny";
}

const subscriber = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
/** The decision in flight: its ids, the signal receipts so far, and who waits for all of them. */
let current: { orgId: string; wanted: Set<string>; committedAt: Record<string, number>; seen: number; allSeen: () => void } | null = null;
subscriber.on("message", (_channel: string, message: string) => {
  const at = Date.now();
  const signal = JSON.parse(message) as { type: string; orgId?: string; approvalIds?: string[] };
  if (!current || signal.type !== "approvals.changed" || signal.orgId !== current.orgId) return;
  for (const id of signal.approvalIds ?? []) {
    if (!current.wanted.has(id) || current.committedAt[id] !== undefined) continue;
    current.committedAt[id] = at;
    current.seen += 1;
  }
  if (current.seen === current.wanted.size) current.allSeen();
});
await subscriber.subscribe("gatehouse:signals");

async function decide(input: Input): Promise<{ sentAt: number; returnedAt: number; committedAt: Record<string, number> }> {
  let allSeen: () => void = () => {};
  const everySignal = new Promise<void>((resolve) => (allSeen = resolve));
  current = { orgId: input.orgId, wanted: new Set(input.approvalIds), committedAt: {}, seen: 0, allSeen };
  const sentAt = Date.now();
  for (let i = 0; i < input.approvalIds.length; i += 1000) {
    const response = await fetch(`${input.apiUrl}/v1/admin/approvals/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${input.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ approvalIds: input.approvalIds.slice(i, i + 1000), decision: input.decision }),
    });
    if (!response.ok) throw new Error(`decision failed: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { results: Array<{ error?: unknown }> };
    const failed = body.results.filter((r) => r.error);
    if (failed.length > 0) throw new Error(`decision failed for ${failed.length}: ${JSON.stringify(failed[0])}`);
  }
  const returnedAt = Date.now();
  // The signals went out before the decision answered; a lost one (Redis hiccup) is not waited for long.
  await Promise.race([everySignal, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  const { committedAt } = current;
  current = null;
  return { sentAt, returnedAt, committedAt };
}

// One request a line on stdin, one answer a line on stdout (`{ error }` when the decision failed).
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const answer = await decide(JSON.parse(line) as Input).catch((error: unknown) => ({ error: String(error) }));
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
await subscriber.quit();
