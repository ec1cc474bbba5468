import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The console's App Router directory: every `page.tsx` under it is a page people can open. */
export const CONSOLE_APP_DIR = fileURLToPath(new URL("../../apps/web/src/app", import.meta.url));

/**
 * The console's pages as route patterns (`/`, `/o/[orgSlug]/agents/[agentId]`), sorted, read from the
 * app directory: route groups `(name)` add no segment, private folders `_name` none at all. Tests that
 * must open every page name a case for each of these, so a new page without one fails them.
 */
export function consolePageRoutes(appDir: string = CONSOLE_APP_DIR): string[] {
  const routes: string[] = [];
  const walk = (dir: string, segments: string[]): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && /^page\.(tsx|ts|jsx|js|mdx)$/.test(entry.name)) routes.push(`/${segments.join("/")}`);
      if (!entry.isDirectory() || entry.name.startsWith("_")) continue;
      const group = /^\(.*\)$/.test(entry.name);
      walk(join(dir, entry.name), group ? segments : [...segments, entry.name]);
    }
  };
  walk(appDir, []);
  return routes.sort();
}

/** `/o/[orgSlug]/agents/[agentId]` with `{ orgSlug: "demo", agentId: "agt_1" }` → `/o/demo/agents/agt_1`; throws on a parameter not given. */
export function fillRoute(route: string, params: Record<string, string>): string {
  return route.replace(/\[([^\]]+)\]/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for [${name}] in ${route}`);
    return encodeURIComponent(value);
  });
}
