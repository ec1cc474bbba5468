// What `npm start` (scripts/start.ts) runs for each of its children: the command of a package.json script, started with
// tsx directly instead of through one or two `npm run` layers (issue 63: each layer is a Node.js start of its own on a
// first start's critical path). scripts/test/launcher-commands.test.ts holds each entry to the script it stands for.

export interface LauncherCommand {
  /** The workspace folder whose package.json holds the script ("." for the root); the child runs there, as npm runs it. */
  dir: string;
  /** The script's name in that package.json. */
  npmScript: string;
  /** The file tsx runs, relative to `dir`. */
  file: string;
  /** What the script sets before tsx (`NODE_ENV=production`). */
  env: Record<string, string>;
}

export const LAUNCHER_COMMANDS = {
  migrate: { dir: ".", npmScript: "db:migrate", file: "packages/db/src/cli/migrate.ts", env: {} },
  seed: { dir: ".", npmScript: "db:seed", file: "packages/db/src/cli/seed.ts", env: {} },
  worker: { dir: "apps/worker", npmScript: "start", file: "src/main.ts", env: {} },
  api: { dir: "apps/api", npmScript: "start", file: "src/main.ts", env: {} },
  web: { dir: "apps/web", npmScript: "start", file: "server.ts", env: { NODE_ENV: "production" } },
} as const satisfies Record<string, LauncherCommand>;

/** The package.json script a command stands for, as npm would read it. */
export function scriptOf(command: LauncherCommand): string {
  return [...Object.entries(command.env).map(([name, value]) => `${name}=${value}`), "tsx", command.file].join(" ");
}
