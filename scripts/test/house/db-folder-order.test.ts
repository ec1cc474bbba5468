// The order of packages/db's folders (DB_LAYERS in .dependency-cruiser.cjs) bites: `npm run check:cycles`
// refuses an import up the order naming db-folder-order, lets one down the order pass, refuses a folder
// that stands in no layer, and allows no two folders to import each other. The samples are written under
// a temporary directory laid out like the repository (packages/db/src/<folder>/sample.ts) and checked
// with the repository's configuration, so nothing is written into the repository.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SRC = "packages/db/src";

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

let fixture: string | undefined;
afterEach(() => {
  if (fixture) rmSync(fixture, { recursive: true, force: true });
  fixture = undefined;
});

/** The sample file of `folder` ("." for the files in src/ itself), relative to the repository. */
const sample = (folder: string) => (folder === "." ? `${SRC}/sample.ts` : `${SRC}/${folder}/sample.ts`);

/** Writes one sample per folder, importing the samples of `imports[folder]`, into a fresh fixture. */
function write(imports: Record<string, string[]>): void {
  fixture = mkdtempSync(join(tmpdir(), "gatehouse-db-order-"));
  for (const [folder, targets] of Object.entries(imports)) {
    const file = join(fixture, sample(folder));
    mkdirSync(dirname(file), { recursive: true });
    const lines = targets.map((target) => `import "${relativeImport(folder, target)}";`);
    writeFileSync(file, `${lines.join("\n")}\nexport const sample = ${JSON.stringify(folder)};\n`);
  }
}

/** The repository's check on the fixture, as `npm run check:cycles` runs it: its exit status and what it printed. */
function checkCycles(...options: string[]): { status: number | null; stdout: string } {
  if (!fixture) throw new Error("no fixture written");
  const run = spawnSync(join(ROOT, "node_modules/.bin/depcruise"), ["--config", join(ROOT, ".dependency-cruiser.cjs"), ...options, "packages"], {
    cwd: fixture,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`depcruise printed nothing: ${run.stderr}`);
  return { status: run.status, stdout: run.stdout };
}

/** The order's violations on the fixture, from dependency-cruiser's JSON report. */
function orderViolations(): Violation[] {
  const report = JSON.parse(checkCycles("--output-type", "json").stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations.filter((violation) => violation.rule.name.startsWith("db-folder-"));
}

function relativeImport(from: string, to: string): string {
  const up = from === "." ? "./" : "../";
  return to === "." ? `${up}sample.ts` : `${up}${to}/sample.ts`;
}

describe("the order of packages/db's folders", () => {
  it("refuses an import up the order, naming the rule", () => {
    write({ infra: ["cascades"], cascades: [] });
    expect(orderViolations()).toEqual([expect.objectContaining({ from: sample("infra"), to: sample("cascades"), rule: expect.objectContaining({ name: "db-folder-order" }) })]);
    const { status, stdout } = checkCycles();
    expect(status).not.toBe(0);
    expect(stdout).toContain(`db-folder-order: ${sample("infra")} → ${sample("cascades")}`);
  });

  it("lets an import down the order pass", () => {
    write({ cascades: ["infra", "members", "actors"], members: ["keys"], keys: ["infra"], actors: [], infra: [] });
    expect(orderViolations()).toEqual([]);
    expect(checkCycles().status).toBe(0);
  });

  it("refuses a folder that stands in no layer, importing or imported", () => {
    write({ "unlisted-sample": ["infra"], actors: ["unlisted-sample"], infra: [] });
    expect(orderViolations().map((violation) => [violation.rule.name, violation.from, violation.to])).toEqual(
      expect.arrayContaining([
        ["db-folder-unlisted", sample("unlisted-sample"), sample("infra")],
        ["db-folder-unlisted", sample("actors"), sample("unlisted-sample")],
      ]),
    );
    expect(checkCycles().status).not.toBe(0);
  });

  it("places every folder of packages/db/src, and what it allows runs one way", () => {
    const folders = [
      ".",
      ...readdirSync(join(ROOT, SRC), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && entry.name !== "generated")
        .map((entry) => entry.name),
    ];
    expect(folders).toEqual(expect.arrayContaining(["infra", "actors", "audit", "decisions", "cascades"]));
    // Every folder imports every other: what the order allows must be one way for every pair.
    write(Object.fromEntries(folders.map((folder) => [folder, folders.filter((other) => other !== folder)])));
    const violations = orderViolations();
    expect(violations.filter((violation) => violation.rule.name !== "db-folder-order")).toEqual([]);
    const refused = new Set(violations.map((violation) => `${violation.from} → ${violation.to}`));
    const allowed = new Map(folders.map((folder) => [folder, folders.filter((other) => other !== folder && !refused.has(`${sample(folder)} → ${sample(other)}`))]));
    expect(folders.flatMap((a) => (allowed.get(a) ?? []).filter((b) => allowed.get(b)?.includes(a)).map((b) => `${a} ↔ ${b}`))).toEqual([]);
    // Nor round a longer loop: peel off the folders that may import nothing left, until none remain.
    let left = new Set(folders);
    for (let peeled = true; peeled;) {
      const bottom = [...left].filter((folder) => !(allowed.get(folder) ?? []).some((other) => left.has(other)));
      peeled = bottom.length > 0;
      left = new Set([...left].filter((folder) => !bottom.includes(folder)));
    }
    expect([...left]).toEqual([]);
  });
});
