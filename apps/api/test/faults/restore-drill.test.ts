import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/**
 * Issue 47: the restore drill (`npm run drill:restore`, scripts/restore-drill.ts, docs/backup-and-restore.md), run as
 * an operator runs it, in a process of its own with its own private PostgreSQL clusters. It must pass: the logs
 * restored to T verify with the keys and checkpoints saved before, nothing decided after T is in them, and a new
 * checkpoint is signed after the restore, consistent with the old ones. Then the restore check, on the backup the
 * drill kept, against the checkpoints its auditors saved: it passes on the one saved before T and fails on the one
 * published after it, which a restore to T leaves behind.
 */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "gh-restore-drill-test-"));
let kept: string | null = null;

afterAll(() => {
  if (kept) rmSync(kept, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  output: string;
}

/** `npm run drill:restore -- …` (what the npm script runs), stopped with SIGTERM (the drill then stops its clusters) past `timeoutMs`. */
function drill(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=@gatehouse/source", "--import", "tsx", "scripts/restore-drill.ts", ...args], {
      cwd: ROOT,
      // GATEHOUSE_MASTER_KEY is the test run's fixed one (setup-env.ts): the restore check below decrypts with it.
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      process.stdout.write(output.replace(/^/gm, "  "));
      resolve({ code, output });
    });
  });
}

interface DrillReport {
  ok: boolean;
  targetTime: string;
  totalMs: number;
  recovery: { timeline: number; stoppedAt: string | null };
  steps: Array<{ name: string; ms: number; ok: boolean }>;
  dir: string | null;
  orgs: Array<{
    slug: string;
    sizeAtT: number;
    savedBeforeT: number;
    afterT: string[];
    publishedAfterT: number;
    restored: { size: number; largestCheckpoint: number | null; afterTPresent: number; verified: boolean };
    continued: { newCheckpoint: number; consistentFrom: number; verified: boolean };
    fork: { detected: boolean; problem: string | null };
    check?: { verified: boolean; signingKey: string; savedCheckpoints: Array<{ file: string; size: number; verdict: string }> };
  }>;
}

describe("the restore drill", () => {
  it("restores to T a log that verifies, holds nothing decided after T, signs a new checkpoint consistent with the old ones, and shows the fork", async () => {
    const json = join(work, "drill.json");
    const run = await drill(["--orgs", "2", "--decisions", "6", "--keep", "--json", json], 270_000);
    expect(run.code, run.output.slice(-4000)).toBe(0);
    const report = JSON.parse(readFileSync(json, "utf8")) as DrillReport;
    kept = report.dir;
    expect(report.ok).toBe(true);
    expect(report.steps.every((step) => step.ok)).toBe(true);
    // Replay stopped at the first commit after T, and the restored cluster writes a timeline of its own.
    expect(report.recovery.stoppedAt).toMatch(/^recovery stopping before commit of transaction \d+/);
    expect(report.recovery.timeline).toBe(2);
    expect(report.orgs).toHaveLength(2);
    for (const org of report.orgs) {
      expect(org.afterT).toHaveLength(6);
      expect(org.publishedAfterT).toBe(org.sizeAtT + 6);
      // The restored log is the log at T: its size, its largest checkpoint the one saved before T, nothing after T.
      expect(org.restored).toEqual({ size: org.sizeAtT, largestCheckpoint: org.savedBeforeT, afterTPresent: 0, verified: true });
      expect(org.savedBeforeT).toBe(org.sizeAtT);
      // The log continues past what the restored database knew, consistently with the checkpoint saved before T.
      expect(org.continued.newCheckpoint).toBeGreaterThan(org.publishedAfterT);
      expect(org.continued).toMatchObject({ consistentFrom: org.savedBeforeT, verified: true });
      // The checkpoint published after T covers sizes that now hold other entries: gatehouse verify --since refuses.
      expect(org.fork.detected).toBe(true);
      expect(org.fork.problem).toBe(`the log at size ${org.publishedAfterT} differs from your saved checkpoint: it was rewritten, not only appended to`);
    }
    console.log(
      `[faults/restore-drill] passed in ${(report.totalMs / 1000).toFixed(1)} s: ${report.steps.map((step, i) => `${i + 1} ${(step.ms / 1000).toFixed(1)} s`).join(", ")}`,
    );
  }, 300_000);

  it("the restore check of the kept backup to T passes on the checkpoint saved before T and fails on the one published after", async () => {
    expect(kept, "the drill above kept no folder").not.toBeNull();
    const drillDir = kept as string;
    const drillReport = JSON.parse(readFileSync(join(work, "drill.json"), "utf8")) as DrillReport;
    const saved = join(work, "checkpoints");
    const auditor = join(drillDir, "auditor");
    rmSync(saved, { recursive: true, force: true });
    mkdirSync(saved);
    for (const file of readdirSync(auditor).filter((name) => /^(before|published)-.*\.txt$/.test(name))) copyFileSync(join(auditor, file), join(saved, file));
    expect(existsSync(join(drillDir, "base", "PG_VERSION"))).toBe(true);

    const json = join(work, "check.json");
    const run = await drill(
      ["--base-backup", join(drillDir, "base"), "--wal-archive", join(drillDir, "archive"), "--target-time", drillReport.targetTime, "--checkpoints", saved, "--json", json],
      120_000,
    );
    expect(run.code, run.output.slice(-4000)).toBe(1);
    const report = JSON.parse(readFileSync(json, "utf8")) as DrillReport;
    expect(report.steps.map((step) => step.ok)).toEqual([true, true, false]);
    for (const org of drillReport.orgs) {
      const checked = report.orgs.find((o) => o.slug === org.slug);
      expect(checked?.restored.size).toBe(org.sizeAtT);
      expect(checked?.check?.verified).toBe(true);
      expect(checked?.check?.signingKey).toMatch(/^ok: /);
      expect(checked?.check?.savedCheckpoints).toEqual([
        { file: `before-${org.slug}.txt`, size: org.savedBeforeT, verdict: `✓ the restored log (${org.sizeAtT} entries) extends it` },
        {
          file: `published-${org.slug}.txt`,
          size: org.publishedAfterT,
          verdict: expect.stringMatching(
            new RegExp(`^✗ beyond the restored log \\(${org.sizeAtT} entries\\): ${org.publishedAfterT - org.sizeAtT} entries were signed and are lost`),
          ),
        },
      ]);
    }
  }, 150_000);
});
