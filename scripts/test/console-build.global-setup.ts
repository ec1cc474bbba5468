import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../playwright/services.ts";

/**
 * The launcher project's files start the built console (`npm start`'s smoke test, docker-compose's environment); they
 * run side by side with the other projects' files, so the console is built here once, before any of them, through the
 * same turbo task they and `npm start` use. Each of their own calls is then a cache hit that rewrites nothing (turbo
 * leaves outputs already on disk alone), so no two `next build`s ever run in one folder and no file's console reads a
 * build being rewritten. CI builds it in a stage before the tests: here that is a cache hit too.
 */
export default async function setup(): Promise<void> {
  if (process.env.GATEHOUSE_E2E_SKIP_BUILD === "1") return;
  const root = fileURLToPath(new URL("../..", import.meta.url));
  await run(join(root, "node_modules/.bin/turbo"), ["run", "build", "--filter=@gatehouse/web", "--output-logs=errors-only"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: undefined, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1" },
  });
}
