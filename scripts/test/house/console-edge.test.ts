// The console has one edge (ADR 0021): every org-scoped route handler is declared through memberRoute,
// which alone reads a JSON body and checks the permission before parsing; the browser code calls its
// routes through one fetch client. Written as a scan of the sources so a new route or page that goes
// around them fails here.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const WEB_SRC = join(ROOT, "apps/web/src");

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, keep);
    return keep(entry.name) ? [path] : [];
  });
}

const orgRoutes = filesUnder(join(WEB_SRC, "app/api/orgs"), (name) => name === "route.ts");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

describe("the console's one edge", () => {
  it("finds the org-scoped routes", () => {
    expect(orgRoutes.length).toBeGreaterThan(40);
  });

  it.each(orgRoutes.map((file) => [relative(WEB_SRC, file), file]))("%s declares each handler through memberRoute", (_name, file) => {
    const text = readFileSync(file, "utf8");
    const handlers = METHODS.filter((method) => new RegExp(`export (async function|const) ${method}\\b`).test(text));
    expect(handlers.length).toBeGreaterThan(0);
    for (const method of handlers) expect(text, method).toMatch(new RegExp(`export const ${method} = memberRoute\\(`));
    // The body, the query and the permission are the declaration's, not the handler's own.
    expect(text).not.toMatch(/readJsonBody|request\.json\(\)|request\.text\(\)|requirePermission|parseInput\(/);
  });

  it("reads JSON bodies in one place", () => {
    const readers = filesUnder(WEB_SRC, (name) => /\.tsx?$/.test(name)).filter((file) => /\brequest\.(text\(\)|json\(\)|body\b)/.test(readFileSync(file, "utf8")));
    expect(readers.map((file) => relative(WEB_SRC, file))).toEqual(["server/json-body.ts"]);
  });

  it("calls fetch from one client in the browser code", () => {
    const callers = filesUnder(join(WEB_SRC, "lib"), (name) => /\.tsx?$/.test(name))
      .concat(
        filesUnder(join(WEB_SRC, "app/o"), (name) => /\.tsx?$/.test(name)),
        filesUnder(join(WEB_SRC, "components"), (name) => /\.tsx?$/.test(name)),
      )
      .filter((file) => /(^|[^.\w])fetch\(/m.test(readFileSync(file, "utf8")));
    expect(callers.map((file) => relative(WEB_SRC, file))).toEqual(["lib/api-client.ts"]);
  });
});
