// The documents' links hold: every relative link in README.md, docs/ and the packages' READMEs names
// a file of the repository, and a `#fragment` names a heading of that file (GitHub's anchors), so
// moving a section from one page to another cannot leave a dead link behind.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

/** GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1] ?? "")));
}

const FILES = [
  "README.md",
  ...markdownFiles("docs"),
  ...readdirSync(join(ROOT, "packages"))
    .map((p) => join("packages", p, "README.md"))
    .filter((f) => existsSync(join(ROOT, f))),
];

describe("links in the documents", () => {
  it.each(FILES)("%s: every relative link resolves", (file) => {
    const text = readFileSync(join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
    const dead: string[] = [];
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? "";
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
      const [path = "", fragment] = target.split("#");
      const resolved = path === "" ? file : relative(ROOT, join(ROOT, dirname(file), path));
      if (!existsSync(join(ROOT, resolved))) {
        dead.push(`${target} (no file ${resolved})`);
        continue;
      }
      if (fragment && statSync(join(ROOT, resolved)).isFile() && resolved.endsWith(".md") && !anchorsOf(resolved).has(fragment)) {
        dead.push(`${target} (no heading #${fragment} in ${resolved})`);
      }
    }
    expect(dead).toEqual([]);
  });
});
