import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatCheckpoint, generateSigner, hashLeaf, signNote, TreeBuilder } from "@gatehouse/tlog";
import { initWitness, lockWitnessDir, Witness } from "../src/witness.ts";

// The witness itself (docs/audit.md, Witnesses), without HTTP: its record across logs, what it keeps as evidence, its lock.
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function witnessFor(logs: string[]): Promise<{ witness: Witness; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-witness-unit-"));
  dirs.push(dir);
  await initWitness(dir, "witness.test/unit");
  return { witness: await Witness.open({ dir, logs }), dir };
}

function checkpointOf(signer: ReturnType<typeof generateSigner>["signer"], origin: string, leaves: string[]): string {
  const tree = new TreeBuilder();
  for (const leaf of leaves) tree.push(hashLeaf(leaf));
  return signNote(formatCheckpoint(origin, leaves.length, tree.root()), [signer]);
}

describe("the witness's record", () => {
  const a = generateSigner("log.test/a");
  const b = generateSigner("log.test/b");

  it("keeps every log's record when two logs' checkpoints arrive at once", async () => {
    const { witness, dir } = await witnessFor([a.vkey, b.vkey]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => witness.addCheckpoint(`old 0\n\n${checkpointOf(i % 2 === 0 ? a.signer : b.signer, i % 2 === 0 ? "log.test/a" : "log.test/b", ["x"])}`)),
    );
    // The first of each log is cosigned; the others hold another old size now (409).
    expect(answers.filter((x) => x.status === 200)).toHaveLength(2);
    const stored = JSON.parse(await readFile(join(dir, "state.json"), "utf8")) as Record<string, { size: number }>;
    expect(Object.keys(stored).sort()).toEqual(["log.test/a", "log.test/b"]);
    // A restart reads both back: neither log can start again from 0.
    const again = await Witness.open({ dir, logs: [a.vkey, b.vkey] });
    expect((await again.addCheckpoint(`old 0\n\n${checkpointOf(a.signer, "log.test/a", ["x", "y"])}`)).status).toBe(409);
  });

  it("keeps a real fork as evidence once, and a junk proof as none", async () => {
    const { witness, dir } = await witnessFor([a.vkey]);
    expect((await witness.addCheckpoint(`old 0\n\n${checkpointOf(a.signer, "log.test/a", ["x", "y"])}`)).status).toBe(200);
    const fork = checkpointOf(a.signer, "log.test/a", ["x", "z"]);
    for (let i = 0; i < 3; i += 1) expect((await witness.addCheckpoint(`old 2\n\n${fork}`)).body).toContain("the log forked");
    expect((await readFile(join(dir, "forks.jsonl"), "utf8")).trim().split("\n")).toHaveLength(1);
    // The honest checkpoint replayed with a junk proof line, or grown with a junk proof: refused, nothing kept.
    const honest = checkpointOf(a.signer, "log.test/a", ["x", "y"]);
    expect((await witness.addCheckpoint(`old 2\n${Buffer.alloc(32).toString("base64")}\n\n${honest}`)).status).toBe(422);
    const grown = checkpointOf(a.signer, "log.test/a", ["x", "y", "w"]);
    const junk = await witness.addCheckpoint(`old 2\n${Buffer.alloc(32, 9).toString("base64")}\n\n${grown}`);
    expect(junk).toMatchObject({ status: 422, body: expect.stringContaining("is not shown to extend") });
    expect((await readFile(join(dir, "forks.jsonl"), "utf8")).trim().split("\n")).toHaveLength(1);
  });

  it("serves only the log's verified signature and its own cosignature, whatever else was sent", async () => {
    const { witness } = await witnessFor([a.vkey]);
    const note = checkpointOf(a.signer, "log.test/a", ["x"]);
    const answer = await witness.addCheckpoint(
      `old 0\n\n${note}\u2014 witness.other/w9 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n`,
    );
    expect(answer.status).toBe(200);
    const originHash = (await import("node:crypto")).createHash("sha256").update("log.test/a").digest("hex");
    expect(witness.latest(originHash)).toBe(`${note}${answer.body}`);
  });

  it("answers 400 for a malformed checkpoint and 403 for a bad signature", async () => {
    const { witness } = await witnessFor([a.vkey]);
    expect((await witness.addCheckpoint("old 0\n\nlog.test/a\nnot a size\nAAAA\n\n\u2014 log.test/a AAAA\n")).status).toBe(400);
    const other = generateSigner("log.test/a");
    expect((await witness.addCheckpoint(`old 0\n\n${checkpointOf(other.signer, "log.test/a", ["x"])}`)).status).toBe(403);
  });

  it("lets one process hold a directory, and a lock left by a gone process be taken", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gatehouse-witness-lock-"));
    dirs.push(dir);
    const unlock = await lockWitnessDir(dir);
    await expect(lockWitnessDir(dir)).rejects.toThrow(`another process (pid ${process.pid}) serves this witness directory`);
    await unlock();
    await expect(stat(join(dir, "serve.lock"))).rejects.toThrow();
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(dir, "serve.lock"), "999999999\n");
    const again = await lockWitnessDir(dir);
    expect((await readFile(join(dir, "serve.lock"), "utf8")).trim()).toBe(String(process.pid));
    await again();
  });
});
