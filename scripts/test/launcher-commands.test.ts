// `npm start` runs its children's commands directly (scripts/lib/launcher-commands.ts): each must be what the
// package.json script it stands for runs, so `npm start` and `npm run api` (and the rest) never start different things.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LAUNCHER_COMMANDS, scriptOf } from "../lib/launcher-commands.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("npm start's commands", () => {
  it.each(Object.entries(LAUNCHER_COMMANDS))("%s runs what its package.json script runs", (_, command) => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, command.dir, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scriptOf(command)).toBe(scripts[command.npmScript]);
  });
});
