import { execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkpointAuditLog, db, getGovernanceHealth, witnessLatestCheckpoints } from "@gatehouse/db";
import { activeSigner, CLI_FROM_SOURCE, createTestOrg, initWitness, serveWitness, stopChild, type TestOrg } from "@gatehouse/db/testing";
import { consistencyProof, formatCheckpoint, hashLeaf, signNote, sourceOf, TreeBuilder, type StoredNode } from "@gatehouse/tlog";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gatehouse, GatehouseAdmin } from "../../../packages/sdk/src/index.ts";
import { listeningApp } from "./helpers";

// Witnesses (issue 45, part 7; docs/audit.md, Witnesses), run the way an org and its auditors run them: two
// `gatehouse witness serve` processes with their own keys and directories, the org's policy set through the
// settings API (quorum: both), the worker's witnessing job, exports and proof files downloaded with the CLI and
// checked with `gatehouse verify --policy`. Then the operator turns rogue: with the org's own signing key it signs
// a forked log (the test database's entries up to a point, then others) — the witnesses refuse it and say so,
// and `gatehouse verify` refuses its bundle.
const server = listeningApp();
const run = promisify(execFile);

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  await Promise.all(children.map(stopChild));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gatehouse-${label}-`));
  dirs.push(dir);
  return dir;
}

const cli = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [...CLI_FROM_SOURCE, ...args], { env: { ...process.env, ...env }, cwd: process.cwd() });

/** Runs the CLI and answers its exit code and output, whatever the code. */
async function cliStatus(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await cli(args, env);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

interface RunningWitness {
  name: string;
  dir: string;
  vkey: string;
  url: string;
  child: ChildProcess;
}

async function startWitness(name: string, keysFile: string): Promise<RunningWitness> {
  const dir = await tempDir(`witness-${name}`);
  const vkey = await initWitness(dir, `witness.test/${name}`);
  const { url, child } = await serveWitness(dir, keysFile);
  children.push(child);
  return { name, dir, vkey, url, child };
}

async function postWitness(url: string, body: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${url}/add-checkpoint`, { method: "POST", body, headers: { "content-type": "text/plain" } });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

describe("witnesses: two witnesses, quorum 2", () => {
  let org: TestOrg;
  let owner: GatehouseAdmin;
  let agent: Gatehouse;
  let work: string;
  let keysFile: string;
  let policyFile: string;
  let policy: string;
  let w1: RunningWitness;
  let w2: RunningWitness;
  let env: Record<string, string>;

  beforeAll(async () => {
    org = await createTestOrg({ label: "witness", policies: [{ name: "allow-all", actions: ["*"], effect: "allow" }] });
    owner = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    env = { GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: server.url };
    work = await tempDir("witnessed-org");
    for (let i = 0; i < 5; i += 1) await agent.execute("repo.read", { metadata: { i } });
    // The log's key, as an auditor fetches it: the witnesses are told to trust it.
    keysFile = join(work, "keys.txt");
    await cli(["audit", "keys", "--format", "text", "--out", keysFile], env).catch(async () => {
      const response = await fetch(`${server.url}/v1/audit/keys?format=text`, { headers: { authorization: `Bearer ${org.adminKey.apiKey}` } });
      await writeFile(keysFile, await response.text());
    });
    const logKey = (await readFile(keysFile, "utf8")).trim().split("\n")[0] as string;
    [w1, w2] = await Promise.all([startWitness("w1", keysFile), startWitness("w2", keysFile)]);
    policy = [
      "# The org's witnesses: both must cosign.",
      `log ${logKey}`,
      `witness w1 ${w1.vkey} ${w1.url}`,
      `witness w2 ${w2.vkey} ${w2.url}`,
      "group both all w1 w2",
      "quorum both",
      "",
    ].join("\n");
    policyFile = join(work, "policy.txt");
    await writeFile(policyFile, policy);
  }, 60_000);

  it("refuses a policy that does not parse, naming the field and the line, and writes nothing", async () => {
    const before = await owner.settings.get();
    const bad = policy.replace("group both all w1 w2", "group both 3 w1 w2");
    await expect(owner.settings.update({ witnesses: { policy: bad } })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/witnesses\.policy[\s\S]*line 5: a threshold of 3 out of 2 members can never be met/),
    });
    const noUrl = policy.replace(` ${w2.url}`, "");
    await expect(owner.settings.update({ witnesses: { policy: noUrl } })).rejects.toMatchObject({ status: 400, message: expect.stringContaining("witness w2 has no URL") });
    expect(await owner.settings.get()).toEqual(before);
  });

  it("the latest checkpoint gathers both cosignatures, and the export verifies against the policy", async () => {
    const set = (await owner.settings.update({ witnesses: { policy } })) as { witnesses?: { policy: string } };
    expect(set.witnesses?.policy).toBe(policy);
    await checkpointAuditLog(org.org.id);
    expect(await witnessLatestCheckpoints()).toBeGreaterThanOrEqual(1);
    const status = await owner.audit.witnesses();
    expect(status.quorum).toBe("all of w1, w2");
    expect(status.latestCheckpoint).toMatchObject({ cosignedBy: expect.arrayContaining(["w1", "w2"]), quorumMet: true });
    expect(status.witnesses.map((w) => [w.name, w.lastError, w.cosignedSize])).toEqual([
      ["w1", null, status.latestCheckpoint?.treeSize],
      ["w2", null, status.latestCheckpoint?.treeSize],
    ]);

    // More work, its checkpoint cosigned by the worker's job: the export serves the cosignatures kept (it asks no witness).
    for (let i = 0; i < 3; i += 1) await agent.execute("repo.write", { metadata: { i } });
    await checkpointAuditLog(org.org.id);
    await witnessLatestCheckpoints();
    const bundle = join(work, "bundle.jsonl");
    await cli(["audit", "export", "--out", bundle], env);
    const verified = await cliStatus(["verify", bundle, "--policy", policyFile]);
    expect(verified, verified.stdout + verified.stderr).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("cosigned by w1, w2: the policy's quorum (all of w1, w2) is met"),
    });
    const lines = (await readFile(bundle, "utf8")).trim().split("\n");
    const last = JSON.parse(lines[lines.length - 1] as string) as { type: string; note: string };
    expect(last.type).toBe("checkpoint");
    expect(last.note.match(/^\u2014 witness\.test\/w[12] /gm)).toHaveLength(2);
    // The same bundle without a policy still verifies (the cosignatures are lines a plain verifier ignores).
    expect((await cliStatus(["verify", bundle, "--key", `@${keysFile}`])).code).toBe(0);
  }, 60_000);

  it("one entry's tlog-proof file verifies on its own, and an altered one does not", async () => {
    const page = await owner.audit.list({ limit: 1 });
    const entryId = page.events[0]?.id as string;
    const response = await fetch(`${server.url}/v1/audit/proof?entryId=${entryId}&format=tlog-proof`, { headers: { authorization: `Bearer ${org.adminKey.apiKey}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain(`${entryId}.tlog-proof`);
    const proof = await response.text();
    // The SDK answers the same file.
    expect(await owner.audit.tlogProof({ entryId })).toBe(proof);
    expect(proof).toMatch(/^c2sp\.org\/tlog-proof@v1\nextra [A-Za-z0-9+/=]+\nindex \d+\n/);
    const file = join(work, "entry.tlog-proof");
    await writeFile(file, proof);
    const ok = await cliStatus(["verify", file, "--policy", policyFile]);
    expect(ok, ok.stdout + ok.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining(`(${entryId}`) });
    expect(ok.stdout).toContain("cosigned by w1, w2");

    // The entry altered (another canonical text in the extra line): its leaf is not in the tree.
    const extra = /^extra (.*)$/m.exec(proof)?.[1] as string;
    const altered = Buffer.from(extra, "base64")
      .toString("utf8")
      .replace(/"type":"[^"]+"/, '"type":"decision.denied"');
    await writeFile(file, proof.replace(extra, Buffer.from(altered).toString("base64")));
    expect(await cliStatus(["verify", file, "--policy", policyFile])).toMatchObject({ code: 1, stdout: expect.stringContaining("is not at index") });

    // A stricter policy (a third witness nobody asked) is not met by the same file.
    const w3 = await initWitness(await tempDir("witness-w3"), "witness.test/w3");
    const strict = join(work, "strict.txt");
    await writeFile(strict, policy.replace("group both all w1 w2", `witness w3 ${w3} http://127.0.0.1:9\ngroup both all w1 w2 w3`));
    await writeFile(file, proof);
    expect(await cliStatus(["verify", file, "--policy", strict])).toMatchObject({ code: 1, stdout: expect.stringContaining("quorum (all of w1, w2, w3) is not met") });
  }, 60_000);

  it("with one witness down the quorum is not met, verify says so, and the witness catches up when it is back", async () => {
    await stopChild(w2.child);
    await agent.execute("repo.write", { metadata: { while: "w2 down" } });
    await checkpointAuditLog(org.org.id);
    await witnessLatestCheckpoints();
    const bundle = join(work, "partial.jsonl");
    await cli(["audit", "export", "--out", bundle], env);
    const refused = await cliStatus(["verify", bundle, "--policy", policyFile]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/cosigned by w1: the policy's quorum \(all of w1, w2\) is not met/);
    const status = await owner.audit.witnesses();
    expect(status.latestCheckpoint?.quorumMet).toBe(false);
    expect(status.witnesses.find((w) => w.name === "w2")?.lastError).toMatch(/connection refused/);
    // The governance health: fine for a moment (the worker asks every 5 s), a warning once the checkpoint has waited a minute.
    expect((await getGovernanceHealth({ ctx: org.ctx })).items.witnesses).toMatchObject({ status: "ok", details: { configured: true, cosignedBy: ["w1"] } });
    const later = (await getGovernanceHealth({ ctx: org.ctx, now: () => new Date(Date.now() + 120_000) })).items.witnesses;
    expect(later.status).toBe("warn");
    expect(later.reason).toMatch(/cosigned by w1; the quorum \(all of w1, w2\) is not met yet\. Last answers: w2: .*connection refused/);
    // A proof file cannot be had while no checkpoint covering the new entry has the quorum.
    const latest = (await db().pool.query<{ id: string }>(`SELECT id FROM audit_entries WHERE org_id = $1 ORDER BY seq DESC LIMIT 1`, [org.org.id])).rows[0]?.id;
    const pending = await fetch(`${server.url}/v1/audit/proof?entryId=${latest}&format=tlog-proof`, { headers: { authorization: `Bearer ${org.adminKey.apiKey}` } });
    expect(pending.status).toBe(409);
    expect(await pending.text()).toContain("cosigned by w1");

    // Back on the same port, from its own record: the next run brings it up to date with a consistency proof.
    const port = new URL(w2.url).port;
    w2.child = (await serveWitness(w2.dir, keysFile, Number(port))).child;
    children.push(w2.child);
    await witnessLatestCheckpoints();
    const after = await owner.audit.witnesses();
    expect(after.latestCheckpoint?.quorumMet).toBe(true);
    expect(after.witnesses.find((w) => w.name === "w2")?.lastError).toBeNull();
    expect((await getGovernanceHealth({ ctx: org.ctx })).items.witnesses).toMatchObject({ status: "ok", details: { refusing: [] } });
  }, 60_000);

  it("a forked log — same size, different root, signed with the org's own key — is refused by both witnesses and by gatehouse verify", async () => {
    await checkpointAuditLog(org.org.id);
    await witnessLatestCheckpoints();
    const { latestCheckpoint } = await owner.audit.witnesses();
    const size = latestCheckpoint?.treeSize as number;
    expect(latestCheckpoint?.quorumMet).toBe(true);

    // The rogue operator's fork: the test database's entries, the last one replaced by another.
    const rows = (
      await db().pool.query<{ seq: string; canonical: string }>(`SELECT seq, canonical FROM audit_entries WHERE org_id = $1 AND seq < $2 ORDER BY seq`, [org.org.id, size])
    ).rows;
    const forked = rows.map((r) => r.canonical);
    // Its time moved back a year: the same shape of entry, so only the tree (and the witnesses) can tell.
    forked[size - 1] = (forked[size - 1] as string).replace(/"(\d{4})(-\d\d-\d\dT[^"]*)"/, (_m, year: string, rest: string) => `"${Number(year) - 1}${rest}"`);
    expect(forked[size - 1]).not.toBe(rows[size - 1]?.canonical);
    const tree = new TreeBuilder();
    for (const text of forked) tree.push(hashLeaf(text));
    const { signer } = await activeSigner(org.org.id);
    const origin = `gatehouse/${org.org.id}`;
    const forkNote = signNote(formatCheckpoint(origin, size, tree.root()), [signer]);
    const honestNote = (await checkpointAuditLog(org.org.id)).note;
    expect(forkNote.split("\n")[2]).not.toBe(honestNote.split("\n")[2]);

    for (const witness of [w1, w2]) {
      // Same size as the one it cosigned, another root: refused, with the reason.
      const sameSize = await postWitness(witness.url, `old ${size}\n\n${forkNote}`);
      expect(sameSize.status).toBe(422);
      expect(sameSize.text).toMatch(/refused: .* has root .* but the one I cosigned at that size has root .*: the log forked/);
      // Grown from the fork, with the fork's own (valid) consistency proof: it does not extend what the witness saw.
      const grown = [...forked, '{"fork":true}'];
      const builder = new TreeBuilder();
      for (const text of grown) builder.push(hashLeaf(text));
      const proof = consistencyProof(size, grown.length, forkSource(grown));
      const grownNote = signNote(formatCheckpoint(origin, grown.length, builder.root()), [signer]);
      const extended = await postWitness(witness.url, `old ${size}\n${proof.map((h) => `${h.toString("base64")}\n`).join("")}\n${grownNote}`);
      expect(extended.status).toBe(422);
      expect(extended.text).toContain("is not shown to extend the log I witnessed");
      // Only the fork it can prove (two signed checkpoints of one size) is kept as evidence.
      const evidence = (await readFile(join(witness.dir, "forks.jsonl"), "utf8")).trim().split("\n");
      expect(evidence).toHaveLength(1);
      expect(JSON.parse(evidence[0] as string)).toMatchObject({ origin, oldSize: size, submitted: forkNote });
    }

    // The forked log's bundle, made from an honest export: its keys and entries up to the fork, the last one
    // replaced, and the fork's checkpoint — signed by the org's key, but cosigned by no witness.
    const honestBundle = join(work, "honest.jsonl");
    await cli(["audit", "export", "--out", honestBundle], env);
    const exported = (await readFile(honestBundle, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; seq?: number; canonical?: string; leafHash?: string });
    const bundleLines = [
      ...exported.filter((line) => line.type === "key").map((line) => JSON.stringify(line)),
      ...exported
        .filter((line) => line.type === "entry" && (line.seq as number) < size)
        .map((line) => JSON.stringify(line.seq === size - 1 ? { ...line, canonical: forked[size - 1], leafHash: hashLeaf(forked[size - 1] as string).toString("hex") } : line)),
      JSON.stringify({ type: "checkpoint", size, note: forkNote }),
    ];
    const forkBundle = join(work, "fork.jsonl");
    await writeFile(forkBundle, `${bundleLines.join("\n")}\n`);
    // Without the policy, a fork is indistinguishable: the operator's key signed it.
    const plain = await cliStatus(["verify", forkBundle, "--key", `@${keysFile}`]);
    expect(plain, plain.stdout + plain.stderr).toMatchObject({ code: 0 });
    const refused = await cliStatus(["verify", forkBundle, "--policy", policyFile]);
    expect(refused).toMatchObject({ code: 1, stdout: expect.stringContaining("cosigned by none of the policy's witnesses: the policy's quorum (all of w1, w2) is not met") });
    // The honest checkpoint's cosignatures copied onto the fork do not verify: they sign the honest root.
    const copied = `${forkNote}${honestNote
      .split("\n")
      .filter((line) => line.startsWith("\u2014 witness.test/"))
      .join("\n")}\n`;
    await writeFile(forkBundle, `${[...bundleLines.slice(0, -1), JSON.stringify({ type: "checkpoint", size, note: copied })].join("\n")}\n`);
    expect(await cliStatus(["verify", forkBundle, "--policy", policyFile])).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/the cosignature by witness\.test\/w[12] does not verify/),
    });

    // The honest log goes on being witnessed.
    await agent.execute("repo.read", { metadata: { after: "fork" } });
    await checkpointAuditLog(org.org.id);
    await witnessLatestCheckpoints();
    expect((await owner.audit.witnesses()).latestCheckpoint).toMatchObject({ treeSize: size + 1, quorumMet: true });
  }, 60_000);

  it("speaks C2SP tlog-witness: 404 for an unknown log, 403 for a bad signature, 409 with the size it holds, 400 for a bad body", async () => {
    const honest = (await checkpointAuditLog(org.org.id)).note;
    const text = honest.slice(0, honest.indexOf("\n\n") + 1);
    const held = (await owner.audit.witnesses()).witnesses.find((w) => w.name === "w1")?.cosignedSize as number;
    const conflict = await postWitness(w1.url, `old 1\n\n${honest}`);
    expect(conflict).toEqual({ status: 409, type: "text/x.tlog.size", text: `${held}\n` });
    expect((await postWitness(w1.url, `old 0\n\n${honest.replace(`gatehouse/${org.org.id}`, "gatehouse/org_elsewhere")}`)).status).toBe(404);
    const forgedSignature = honest.replace(/(\u2014 gatehouse\/\S+ )(\S{8})/, (_m, head: string, sig: string) => `${head}${sig.slice(0, 6)}${sig[6] === "A" ? "B" : "A"}${sig[7]}`);
    expect((await postWitness(w1.url, `old ${held}\n\n${forgedSignature}`)).status).toBe(403);
    expect((await postWitness(w1.url, `old ${held + 100}\n\n${honest}`)).status).toBe(400);
    expect((await postWitness(w1.url, `old 01\n\n${honest}`)).status).toBe(400);
    expect((await postWitness(w1.url, "x".repeat(70_000))).status).toBe(413);
    // Its monitoring read: the latest checkpoint it cosigned, with the log's signature and its own.
    const { createHash } = await import("node:crypto");
    const originHash = createHash("sha256").update(`gatehouse/${org.org.id}`).digest("hex");
    const latest = await (await fetch(`${w1.url}/${originHash}/checkpoint`)).text();
    expect(latest.startsWith(text)).toBe(true);
    expect(latest).toContain("\u2014 witness.test/w1 ");
  }, 60_000);

  it("changing or removing the policy once set is held for a second admin (it weakens who vouches for the log)", async () => {
    await owner.settings.update({ policies: { requireSecondApproval: true } });
    const outcome = (await owner.settings.update({ witnesses: { policy: "" } })) as { status?: string };
    expect(outcome.status).toBe("pending_approval");
    expect(((await owner.settings.get()) as { witnesses: { policy: string } }).witnesses.policy).toBe(policy);
  });
});

/** A node source over a list of canonical texts: every subtree hash computed from the leaves. */
function forkSource(texts: readonly string[]) {
  const leaves = texts.map((text) => hashLeaf(text));
  const nodes: StoredNode[] = [];
  for (let level = 0; 1 << level <= leaves.length; level += 1) {
    for (let index = 0; (index + 1) << level <= leaves.length; index += 1) {
      const builder = new TreeBuilder();
      for (const leaf of leaves.slice(index << level, (index + 1) << level)) builder.push(leaf);
      nodes.push({ level, index, hash: builder.root() });
    }
  }
  return sourceOf(nodes);
}
