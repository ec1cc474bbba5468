// Every documented `npm install` line that names a framework an adapter needs names it with the range the adapter
// declares as its peer (issue 44): a bare `npm install ai` on Node 20 installs the previous major (npm prefers a
// version whose `engines` the running Node meets, and `ai` 7 declares Node 22), which the adapter then rejects.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const INTEGRATIONS = "packages/integrations";

/** The adapters' folders. */
const adapterDirs = () => readdirSync(join(ROOT, INTEGRATIONS)).filter((dir) => existsSync(join(ROOT, INTEGRATIONS, dir, "package.json")));

/** Each framework a published adapter needs as a peer (the SDK, ours, aside), with the range it declares. */
function frameworkPeers(): Map<string, { range: string; adapter: string }> {
  const peers = new Map<string, { range: string; adapter: string }>();
  for (const dir of adapterDirs()) {
    const manifest = JSON.parse(readFileSync(join(ROOT, INTEGRATIONS, dir, "package.json"), "utf8")) as { name: string; peerDependencies?: Record<string, string> };
    for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (!name.startsWith("@gatehouse/")) peers.set(name, { range, adapter: manifest.name });
    }
  }
  return peers;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : markdownFiles(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

/** The package names an `npm install …` line installs, with the version it asks for ("" for none). */
export function installed(line: string): Array<{ name: string; spec: string }> {
  const command = /npm (?:install|i)\b([^`|;&]*)/.exec(line)?.[1] ?? "";
  return command
    .split(/\s+/)
    .map((word) => word.replace(/^["']|["']$/g, ""))
    .filter((word) => word !== "" && word !== "\\" && !word.startsWith("-") && !word.includes("/dist/") && !word.endsWith(".tgz"))
    .map((word) => {
      const at = word.indexOf("@", 1);
      return at === -1 ? { name: word, spec: "" } : { name: word.slice(0, at), spec: word.slice(at + 1) };
    });
}

describe("documented install lines", () => {
  const peers = frameworkPeers();
  const files = ["README.md", ...markdownFiles("docs"), ...adapterDirs().map((dir) => join(INTEGRATIONS, dir, "README.md"))];

  it("reads the package names and versions of a line", () => {
    expect(installed('npm install "ai@^7.0.0" /x/dist/packages/gatehouse-sdk-*.tgz zod')).toEqual([
      { name: "ai", spec: "^7.0.0" },
      { name: "zod", spec: "" },
    ]);
    expect(installed("`npm install @gatehouse/mcp @openai/agents@0.20`")).toEqual([
      { name: "@gatehouse/mcp", spec: "" },
      { name: "@openai/agents", spec: "0.20" },
    ]);
  });

  it("name each adapter's framework with the range the adapter declares", () => {
    const wrong: string[] = [];
    for (const file of files) {
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .forEach((line, index) => {
          // A shell line continued with "\" goes on on the next line.
          for (const { name, spec } of installed(line)) {
            const peer = peers.get(name);
            if (peer && spec !== peer.range) wrong.push(`${file}:${index + 1}: ${name}${spec ? `@${spec}` : ""} (${peer.adapter} needs "${name}@${peer.range}")`);
          }
        });
    }
    expect(peers.size).toBeGreaterThan(4);
    expect(wrong).toEqual([]);
  });
});
