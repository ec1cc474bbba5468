// `npm run typecheck` checks the Node side as one program (tsconfig.typecheck.json, ADR 0046) and the projects with
// options of their own one by one. This holds that to the tree: every file a project's own tsconfig.json checks is in
// the one program when its options are the base's, and every project with options of its own is named by the root
// script. A new workspace, a new folder of tests or a project that takes options of its own fails here until it is
// checked somewhere.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BASE = join(ROOT, "tsconfig.base.json");
const ONE_PROGRAM = join(ROOT, "tsconfig.typecheck.json");
/** Configurations that are not a type check: the SDK's build (its declaration files are checked by the build itself). */
const NOT_CHECKS = new Set(["packages/sdk/tsconfig.build.json"]);
const rootScript = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.typecheck ?? "";

function tsconfigsUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory())
      return ["node_modules", ".next", "dist", ".git", "test-results", ".turbo"].includes(entry.name) || entry.name.startsWith(".venv")
        ? []
        : tsconfigsUnder(join(dir, entry.name));
    return /^tsconfig.*\.json$/.test(entry.name) ? [join(dir, entry.name)] : [];
  });
}

function parsed(file: string): { raw: { extends?: string; compilerOptions?: object }; fileNames: string[] } {
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const result = ts.parseJsonConfigFileContent(config, ts.sys, dirname(file), undefined, file);
  return { raw: config as { extends?: string; compilerOptions?: object }, fileNames: result.fileNames.map((name) => resolve(name)) };
}

const configs = tsconfigsUnder(ROOT).filter((file) => ![BASE, ONE_PROGRAM].includes(file) && !NOT_CHECKS.has(relative(ROOT, file)));
const oneProgram = new Set(parsed(ONE_PROGRAM).fileNames);
/** A project whose tsconfig.json is the base's options with files of its own. */
const plain = (file: string) => {
  const { raw } = parsed(file);
  return raw.compilerOptions === undefined && raw.extends !== undefined && resolve(dirname(file), raw.extends) === BASE;
};

/** How the root script names a project checked on its own: `-p <folder or file>`, or its workspace's own script (`-w <name>`). */
function namedByRootScript(file: string): boolean {
  const path = relative(ROOT, file);
  const folder = dirname(path);
  if (rootScript.includes(`-p ${path}`) || (path.endsWith("/tsconfig.json") && new RegExp(`-p ${folder}( |$)`).test(rootScript))) return true;
  try {
    const workspace = JSON.parse(readFileSync(join(ROOT, folder, "package.json"), "utf8")) as { name: string; scripts?: { typecheck?: string } };
    return rootScript.includes(`typecheck -w ${workspace.name}`) && path.endsWith("/tsconfig.json") && /-p \.( |$)/.test(workspace.scripts?.typecheck ?? "");
  } catch {
    return false;
  }
}

describe("npm run typecheck covers every project", () => {
  it("finds the projects: every workspace, bench, scripts, deploy, playwright", () => {
    const folders = configs.map((file) => relative(ROOT, dirname(file)));
    for (const folder of ["apps/api", "apps/web", "apps/worker", "packages/core", "packages/db", "packages/integrations/mcp", "bench", "scripts", "deploy", "playwright"]) {
      expect(folders).toContain(folder);
    }
    expect(oneProgram.size).toBeGreaterThan(500);
  });

  it.each(configs.map((file) => [relative(ROOT, file), file]))("%s is checked", (_name, file) => {
    if (plain(file)) {
      const missing = parsed(file).fileNames.filter((name) => !oneProgram.has(name));
      expect(
        missing.map((name) => relative(ROOT, name)),
        "files of a project with the base's options that tsconfig.typecheck.json does not include",
      ).toEqual([]);
      expect(namedByRootScript(file), "checked in the one program already: the root script should not check it again").toBe(false);
    } else {
      expect(namedByRootScript(file), "a project with options of its own must be named by the root typecheck script").toBe(true);
    }
  });

  it("the one program holds no file that only a project with options of its own checks", () => {
    const inPlain = new Set(configs.filter(plain).flatMap((file) => parsed(file).fileNames));
    const own = configs.filter((file) => !plain(file)).flatMap((file) => parsed(file).fileNames.filter((name) => name.startsWith(`${dirname(file)}/`) && !inPlain.has(name)));
    // A file of the console or of Playwright, checked with the base's options, would lose its DOM types and paths.
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((name) => oneProgram.has(name)).map((name) => relative(ROOT, name))).toEqual([]);
  });
});
