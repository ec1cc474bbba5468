// Every package the house publishes has its release notes where the release flow writes them: a
// CHANGELOG.md that `npm run version-packages` (`changeset version`) fills under its `# <name>` title,
// shipped in the package's tarball, for a package changesets does not ignore.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

interface Manifest {
  name: string;
  private?: boolean;
  files?: string[];
}

/** Every workspace package under packages/ (integrations included) that npm would publish. */
function publishable(): Array<{ dir: string; manifest: Manifest }> {
  const dirs = (base: string) =>
    existsSync(join(ROOT, base))
      ? readdirSync(join(ROOT, base), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => join(base, d.name))
      : [];
  return [...dirs("packages"), ...dirs("packages/integrations")]
    .filter((dir) => existsSync(join(ROOT, dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as Manifest }))
    .filter(({ manifest }) => manifest.private !== true);
}

describe("release notes", () => {
  const packages = publishable();
  const config = JSON.parse(readFileSync(join(ROOT, ".changeset/config.json"), "utf8")) as { ignore: string[] };

  it("the SDK and the CLI are among the published packages", () => {
    expect(packages.map((p) => p.manifest.name)).toEqual(expect.arrayContaining(["@gatehouse/sdk", "@gatehouse/cli"]));
  });

  it.each(publishable().map((p) => [p.manifest.name, p] as const))("%s has a CHANGELOG.md the release flow writes and the tarball ships", (name, { dir, manifest }) => {
    const file = join(ROOT, dir, "CHANGELOG.md");
    expect(existsSync(file), `${dir}/CHANGELOG.md`).toBe(true);
    // changesets inserts each release right after the first line: the title must be that line.
    expect(readFileSync(file, "utf8").split("\n")[0]).toBe(`# ${name}`);
    expect(manifest.files ?? ["CHANGELOG.md"]).toContain("CHANGELOG.md");
    expect(config.ignore).not.toContain(name);
  });

  it("a new decision record starts from the ADR template", () => {
    const template = readFileSync(join(ROOT, "docs/adr/template.md"), "utf8");
    for (const section of ["## Context", "## Decision", "## Consequences"]) expect(template).toContain(section);
  });
});
