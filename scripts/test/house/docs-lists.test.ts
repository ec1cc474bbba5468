// The documents' lists of what is in code are made from the code, and the check says so when one drifts:
// `npm run openapi:check`'s second half (scripts/docs-lists.ts --check) is run on copies of the documents
// in a temporary folder (--root), one list edited by hand in each, and must fail naming the document and
// the list; `npm run openapi` on such a copy writes the committed text back. README.md's map of folders
// is held to the folders of a copied skeleton of apps/ and packages/ with a folder or a row added or taken
// away. Nothing in the repository is changed.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { folderMapProblems, readFolderMap, workspaceFolders } from "../../docs-blocks.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const DOCUMENTS = ["README.md", "package.json", "docs/architecture.md", "docs/audit.md", "docs/events.md"];
const copies: string[] = [];

afterAll(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

/** A temporary root with the documents and a skeleton of the folders the map names (each folder's package.json, else a placeholder). */
function copyOfRepository(): string {
  const root = mkdtempSync(join(tmpdir(), "gatehouse-docs-"));
  copies.push(root);
  for (const file of DOCUMENTS) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(root, file));
  }
  const rows = (readFolderMap(readFileSync(join(ROOT, "README.md"), "utf8")) ?? []).map((row) => row.folder).filter((folder) => !folder.endsWith("/*"));
  const folders = [...workspaceFolders(ROOT).folders.values()].flat();
  for (const folder of new Set([...rows, ...folders])) {
    mkdirSync(join(root, folder), { recursive: true });
    if (existsSync(join(ROOT, folder, "package.json"))) copyFileSync(join(ROOT, folder, "package.json"), join(root, folder, "package.json"));
    else if (!existsSync(join(root, folder, "README.md"))) writeFileSync(join(root, folder, ".keep"), "");
  }
  return root;
}

/** Edits one file of a copy; the edit must change something, or the case would prove nothing. */
function edit(root: string, file: string, change: (text: string) => string): void {
  const before = readFileSync(join(root, file), "utf8");
  const after = change(before);
  expect(after, `the edit of ${file} changes it`).not.toBe(before);
  writeFileSync(join(root, file), after);
}

/** scripts/docs-lists.ts as package.json runs it, on a copy. */
function docsLists(root: string, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--conditions=@gatehouse/source", "--import", "tsx", "scripts/docs-lists.ts", ...args, "--root", root],
      { cwd: ROOT, encoding: "utf8" },
      (error, stdout, stderr) => done({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const withoutLine = (pattern: RegExp) => (text: string) => text.replace(pattern, "");

describe.concurrent("the documents' generated lists", () => {
  it("the committed documents are what the code makes", async () => {
    const result = await docsLists(copyOfRepository(), "--check");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it.each<[string, string, string, (text: string) => string]>([
    ["a denial reason taken out", "docs/architecture.md", "denial-reasons", withoutLine(/^\|[^\n]*`AGENT_HALTED` \|[^\n]*\n/m)],
    ["an entry type taken out", "docs/architecture.md", "entry-types", (text) => text.replace(", `org.closed`", "")],
    ["an SDK resource taken out", "docs/architecture.md", "sdk", withoutLine(/^\| `GatehouseAdmin` \| `webhooks` \|[^\n]*\n/m)],
    ["an SDK method renamed", "docs/architecture.md", "sdk", (text) => text.replace("`decideMany`", "`decideAll`")],
    ["a CLI group taken out", "docs/architecture.md", "cli", withoutLine(/^\| `posture` \|[^\n]*\n/m)],
    ["a CLI command added by hand", "docs/architecture.md", "cli", (text) => text.replace(/^\| `grants` \| `list`, /m, "| `grants` | `list`, `show <id>`, ")],
    ["a row of audit.md's table taken out", "docs/audit.md", "denial-reasons", withoutLine(/^\| `CIRCUIT_OPEN` \|[^\n]*\n/m)],
    ["an event type taken out", "docs/events.md", "event-types", withoutLine(/^\| `budget\.threshold` \|[^\n]*\n/m)],
  ])("%s: the check fails naming %s's block", async (_case, file, block, change) => {
    const root = copyOfRepository();
    edit(root, file, change);
    const result = await docsLists(root, "--check");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file} is stale: its generated "${block}" differs from the code`);
    // Only the drifted document is named.
    expect(result.stderr.split("\n").filter((line) => line.includes("is stale"))).toHaveLength(1);
  });

  it("a block's markers taken away: the check names the block it can no longer write", async () => {
    const root = copyOfRepository();
    edit(root, "docs/architecture.md", withoutLine(/^<!-- cli:start[^\n]*\n/m));
    const result = await docsLists(root, "--check");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('docs/architecture.md has no generated block "cli"');
  });

  it("npm run openapi writes a drifted list back to what is committed", async () => {
    const root = copyOfRepository();
    edit(root, "docs/architecture.md", (text) => withoutLine(/^\| `posture` \|[^\n]*\n/m)(text).replace("`decideMany`", "`decideAll`"));
    const written = await docsLists(root);
    expect(written.status).toBe(0);
    expect(readFileSync(join(root, "docs/architecture.md"), "utf8")).toBe(readFileSync(join(ROOT, "docs/architecture.md"), "utf8"));
  });

  it("a folder the README's map leaves out fails the check", async () => {
    const root = copyOfRepository();
    edit(root, "README.md", withoutLine(/^\| `apps\/worker` \|[^\n]*\n/m));
    const result = await docsLists(root, "--check");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("has no row for apps/worker");
  });
});

describe("README.md's map of folders", () => {
  const problems = (root: string) => folderMapProblems(root, readFileSync(join(root, "README.md"), "utf8"));

  it("names every folder of apps/, packages/ and packages/integrations/ there is, each with a description", () => {
    expect(folderMapProblems(ROOT, readFileSync(join(ROOT, "README.md"), "utf8"))).toEqual([]);
    const folders = [...workspaceFolders(ROOT).folders.values()].flat();
    expect(folders).toEqual(expect.arrayContaining(["apps/api", "apps/worker", "packages/sdk-python", "packages/integrations/mcp"]));
    expect(folders).not.toContain("packages/integrations");
  });

  it("a new folder under packages/ without a row", () => {
    const root = copyOfRepository();
    mkdirSync(join(root, "packages/ledger"));
    writeFileSync(join(root, "packages/ledger/package.json"), JSON.stringify({ name: "@gatehouse/ledger" }));
    expect(problems(root)).toEqual([expect.stringContaining("has no row for packages/ledger")]);
  });

  it("a new adapter the integrations row does not name", () => {
    const root = copyOfRepository();
    mkdirSync(join(root, "packages/integrations/mastra"));
    writeFileSync(join(root, "packages/integrations/mastra/package.json"), JSON.stringify({ name: "@gatehouse/mastra" }));
    expect(problems(root)).toEqual([
      expect.stringContaining("has no row for packages/integrations/mastra, and its row of packages/integrations/* does not name `@gatehouse/mastra`"),
    ]);
  });

  it("a row for a folder that is not there, an adapter that is not there, a row with no description", () => {
    const root = copyOfRepository();
    rmSync(join(root, "bench"), { recursive: true });
    edit(root, "README.md", (text) =>
      text
        .replace("| `packages/core` |", "| `packages/gone` | a folder moved away |\n| `packages/core` |")
        .replace("wrappers `@gatehouse/openai`, `@gatehouse/anthropic`", "wrappers `@gatehouse/openai`, `@gatehouse/anthropic`, `@gatehouse/cohere`")
        .replace(/^\| `prisma\/` \|[^\n]*\|$/m, "| `prisma/` | |"),
    );
    expect(problems(root)).toEqual([
      expect.stringContaining("names packages/gone, which does not exist"),
      expect.stringContaining("the row of packages/integrations/* names @gatehouse/cohere, which is no package there"),
      expect.stringContaining("the row of prisma says nothing about it"),
      expect.stringContaining("names bench, which does not exist"),
    ]);
  });

  it("a folder emptied but for build output and installed packages is no folder", () => {
    const root = copyOfRepository();
    mkdirSync(join(root, "packages/old/node_modules"), { recursive: true });
    mkdirSync(join(root, "packages/old/dist"), { recursive: true });
    expect(problems(root)).toEqual([]);
  });
});
