// `npm run check:cycles` can see what it must: a cycle fails it, and imports of workspace packages and
// of the console's `@/…` paths resolve to the files under packages/ and apps/ (were they left
// unresolved, or resolved into node_modules, a cycle through them would pass unseen).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

interface CruiseResult {
  modules: Array<{ source: string; dependencies: Array<{ module: string; resolved: string; couldNotResolve: boolean }> }>;
  summary: { violations: Array<{ rule: { name: string } }> };
}

/** Runs the repository's cycle check on `paths` and returns dependency-cruiser's JSON report. */
function cruise(paths: string[]): CruiseResult {
  const run = spawnSync(join(ROOT, "node_modules/.bin/depcruise"), ["--config", ".dependency-cruiser.cjs", "--output-type", "json", ...paths], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`depcruise printed nothing: ${run.stderr}`);
  return JSON.parse(run.stdout) as CruiseResult;
}

const fixture = mkdtempSync(join(tmpdir(), "gatehouse-cycle-"));
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

describe("import cycle check", () => {
  it("fails on a cycle", () => {
    writeFileSync(join(fixture, "a.ts"), `import { b } from "./b.ts";\nexport const a = () => b;\n`);
    writeFileSync(join(fixture, "b.ts"), `import { a } from "./a.ts";\nexport const b = () => a;\n`);
    const names = cruise([fixture]).summary.violations.map((violation) => violation.rule.name);
    expect(names).toContain("no-circular");
  });

  it("follows workspace packages and the console's @/ paths into their source", () => {
    const dependencies = cruise(["apps"]).modules.flatMap((module) => module.dependencies);
    const workspace = dependencies.filter((dependency) => dependency.module.startsWith("@gatehouse/"));
    const paths = dependencies.filter((dependency) => dependency.module.startsWith("@/"));
    expect(workspace.length).toBeGreaterThan(0);
    expect(paths.length).toBeGreaterThan(0);
    expect(workspace.filter((dependency) => !/^(packages|apps)\//.test(dependency.resolved))).toEqual([]);
    expect(paths.filter((dependency) => !dependency.resolved.startsWith("apps/web/src/"))).toEqual([]);
  });
});
