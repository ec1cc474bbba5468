import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cosign, generateCosigner, type Cosigner } from "@gatehouse/tlog";
import { afterAll, describe, expect, it } from "vitest";
import {
  authenticateApiKey,
  checkpointAuditLog,
  closeSignals,
  db,
  decideAction,
  disconnectDb,
  exportAuditLog,
  getCheckpoint,
  getTlogProof,
  getWitnessStatus,
  isDomainError,
  WitnessPacer,
  witnessLatestCheckpoints,
  type Ctx,
} from "../src";
import { createTestOrg, type TestOrg } from "../src/testing";

// Who makes the server POST to an org's witness URLs, and how often (issue 62, point 9; docs/audit.md, Witnesses).
// The URLs are the org's own configuration, so an admin (or a stolen key) controls them. A read — a proof file, an
// export, a checkpoint, the status — by any key asks no witness: only the worker's job does, paced. A witness that
// keeps failing is asked after longer and longer waits, and an org's requests in any minute are capped. The witness
// here is a loopback stand-in that counts what reaches it; the job's clock is the test's (no sleeps).

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await disconnectDb();
  await closeSignals();
});

interface Answer {
  status: number;
  type?: string;
  body?: string;
}

/** What a stand-in answers a request for witness `name` with the checkpoint body it was shown. */
type Answering = (name: string, checkpointBody: string) => Answer;

interface StandIn {
  url: string;
  /** The requests that reached it, each with the job's clock when it came and the witness it was for. */
  posts: Array<{ at: number; name: string }>;
  answer: Answering;
}

/** A loopback witness standing in for many (one path per policy witness), counting every request. */
async function standIn(clock: () => number, answer: Answering): Promise<StandIn> {
  const stand: StandIn = { url: "", posts: [], answer };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const name = (request.url ?? "").split("/")[1] ?? "";
      stand.posts.push({ at: clock(), name });
      // The add-checkpoint body: "old N", the proof, a blank line, the signed note; its checkpoint is the note's body.
      const text = Buffer.concat(chunks).toString("utf8");
      const note = text.slice(text.indexOf("\n\n") + 2);
      const { status, type, body } = stand.answer(name, note.slice(0, note.indexOf("\n\n") + 1));
      response.writeHead(status, type ? { "content-type": type } : {}).end(body ?? "");
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stand.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stand;
}

interface WitnessedOrg {
  org: TestOrg;
  agentCtx: Ctx;
  adminCtx: Ctx;
  cosigners: Map<string, Cosigner>;
}

/** An org with entries, a checkpoint and a policy of `count` witnesses, all at `stand` (quorum: w0). */
async function witnessedOrg(stand: StandIn, count: number): Promise<WitnessedOrg> {
  const org = await createTestOrg({ label: "witness-pace", policies: [{ name: "all", actions: ["*"], effect: "allow" }] });
  const agentCtx = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "witness-pace" } as Ctx;
  const adminCtx = { ...(await authenticateApiKey(org.adminKey.apiKey)), requestId: "witness-pace" } as Ctx;
  for (let i = 0; i < 3; i += 1) await decideAction({ ctx: agentCtx, input: { actionType: "repo.read", metadata: { i } } });
  const cosigners = new Map<string, Cosigner>();
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { cosigner, vkey } = generateCosigner(`witness.test/w${i}`);
    cosigners.set(`w${i}`, cosigner);
    lines.push(`witness w${i} ${vkey} ${stand.url}/w${i}`);
  }
  const policy = [...lines, "quorum w0", ""].join("\n");
  await db().pool.query(`UPDATE orgs SET settings = jsonb_set(settings, '{witnesses}', $2::jsonb) WHERE id = $1`, [org.org.id, JSON.stringify({ policy })]);
  await checkpointAuditLog(org.org.id);
  return { org, agentCtx, adminCtx, cosigners };
}

const failing: Answering = () => ({ status: 500, body: "down" });

async function drain(chunks: AsyncIterable<string>): Promise<string> {
  let text = "";
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe("reads ask no witness", () => {
  it("proof files, exports, checkpoints and the status, by the agent's key and an admin's, repeated: not one request reaches a witness", async () => {
    let now = 0;
    const cosignersOf = new Map<string, Cosigner>();
    const stand = await standIn(
      () => now,
      (name, body) => ({ status: 200, type: "text/plain", body: cosign(body, cosignersOf.get(name) as Cosigner, 1_800_000_000) }),
    );
    const { org, agentCtx, adminCtx, cosigners } = await witnessedOrg(stand, 2);
    for (const [name, cosigner] of cosigners) cosignersOf.set(name, cosigner);
    const entryId = (
      await db().pool.query<{ id: string }>(`SELECT id FROM audit_entries WHERE org_id = $1 AND agent_id = $2 ORDER BY seq DESC LIMIT 1`, [org.org.id, org.agent.id])
    ).rows[0]?.id as string;

    const reads: Array<[string, (ctx: Ctx) => Promise<unknown>]> = [
      ["a tlog-proof file", (ctx) => getTlogProof({ ctx, input: { entryId, format: "tlog-proof" } })],
      ["a whole export", async (ctx) => drain((await exportAuditLog({ ctx, input: { format: "jsonl" } })).chunks)],
      ["a filtered export", async (ctx) => drain((await exportAuditLog({ ctx, input: { format: "jsonl", type: "action.decided" } })).chunks)],
      ["the checkpoint", (ctx) => getCheckpoint({ ctx })],
    ];
    for (const ctx of [agentCtx, adminCtx]) {
      for (const [what, read] of reads) {
        for (let i = 0; i < 3; i += 1) {
          const answered = await read(ctx).catch((error: unknown) => error);
          // Nothing cosigned yet: the proof file is a 409 saying so; the other reads answer what is stored.
          if (what === "a tlog-proof file") expect(isDomainError(answered) && answered.code, what).toBe("CONFLICT");
        }
      }
    }
    await getWitnessStatus({ ctx: adminCtx });
    expect(stand.posts).toEqual([]);

    // The worker's job asks; the same reads then serve the cosignatures it kept, still without a request.
    await witnessLatestCheckpoints({ pacer: new WitnessPacer({ now: () => now }), onlyOrgs: [org.org.id] });
    expect(stand.posts.map((p) => p.name).sort()).toEqual(["w0", "w1"]);
    now += 1;
    const proof = (await getTlogProof({ ctx: agentCtx, input: { entryId, format: "tlog-proof" } })) as { text: string };
    expect(proof.text).toMatch(/^\u2014 witness\.test\/w0 /m);
    expect(stand.posts.filter((p) => p.at > 0)).toEqual([]);
  }, 60_000);
});

describe("the worker's pace", () => {
  it("a failing witness is asked again after a wait that doubles each time (10 s, 20 s, 40 s, …), and at once more once it answered", async () => {
    let now = 0;
    const stand = await standIn(() => now, failing);
    const { org, cosigners } = await witnessedOrg(stand, 1);
    const pacer = new WitnessPacer({ now: () => now });
    // Ten minutes of the job's runs, every 5 s.
    for (now = 0; now <= 600_000; now += 5_000) await witnessLatestCheckpoints({ pacer, onlyOrgs: [org.org.id] });
    const times = stand.posts.map((p) => p.at / 1000);
    expect(times).toEqual([0, 10, 30, 70, 150, 310]);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps).toEqual([10, 20, 40, 80, 160]);
    // Its status says why, and when it was last asked.
    const status = await getWitnessStatus({ ctx: org.ctx });
    expect(status.witnesses[0]?.lastError).toMatch(/^answered 500/);

    // Back: at its next turn it cosigns, and the failures are forgotten (a new failure waits 10 s again).
    stand.answer = (_name, body) => ({ status: 200, type: "text/plain", body: cosign(body, cosigners.get("w0") as Cosigner, 1_800_000_000) });
    for (; now <= 700_000; now += 5_000) await witnessLatestCheckpoints({ pacer, onlyOrgs: [org.org.id] });
    expect(stand.posts.map((p) => p.at / 1000)).toEqual([0, 10, 30, 70, 150, 310, 630]);
    expect((await getWitnessStatus({ ctx: org.ctx })).latestCheckpoint?.quorumMet).toBe(true);
    stand.answer = failing;
    await decideAction({ ctx: { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "witness-pace" } as Ctx, input: { actionType: "repo.read" } });
    await checkpointAuditLog(org.org.id);
    const from = now;
    for (; now <= from + 30_000; now += 5_000) await witnessLatestCheckpoints({ pacer, onlyOrgs: [org.org.id] });
    expect(stand.posts.filter((p) => p.at >= from).map((p) => (p.at - from) / 1000)).toEqual([0, 10, 30]);
  }, 60_000);

  it("an org's requests are capped per minute: 64 witnesses that each ask to be asked again get 64 requests in a minute, not one per run", async () => {
    let now = 0;
    // Each witness says it holds size 0 (409): the log asks again from there, up to three times a run.
    const stand = await standIn(
      () => now,
      () => ({ status: 409, type: "text/x.tlog.size", body: "0\n" }),
    );
    const { org } = await witnessedOrg(stand, 64);
    const pacer = new WitnessPacer({ now: () => now });
    for (now = 0; now < 300_000; now += 5_000) await witnessLatestCheckpoints({ pacer, onlyOrgs: [org.org.id] });
    const times = stand.posts.map((p) => p.at);
    expect(times.filter((t) => t < 60_000)).toHaveLength(64);
    // In any minute (a window starting at any request), at most 64.
    for (const start of times) expect(times.filter((t) => t >= start && t < start + 60_000).length).toBeLessThanOrEqual(64);
    expect(times.length).toBeGreaterThan(64);
  }, 120_000);
});
