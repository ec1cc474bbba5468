import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { ADMIN_KEY, API_KEY, json, runCli, type CliWorld } from "./helpers.ts";

// The coding-agent hook's key never rides on a command line (where `ps` and the settings file show it
// to other local users): `hook setup` saves it in a file only its user can read and writes settings
// without it; the hook reads it from $GATEHOUSE_API_KEY or that file, and refuses a file others could read.

const BASE_URL = "http://127.0.0.1:4100";
const BASH = { hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command: "ls" }, session_id: "s1", tool_use_id: "toolu_1", cwd: "/repo" };
const ALLOW = { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow", permissionDecisionReason: "allowed by policy" } };
const allowed = () => json(200, ALLOW, { "x-gatehouse-status": "executed" });

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-hook-"));
  dirs.push(dir);
  return dir;
}

/** A user's world: a fresh config directory, this process's user, and the key in the environment only when given. */
function world(env: Record<string, string> = {}, extra: CliWorld = {}): CliWorld & { xdg: string } {
  const xdg = tempDir();
  return { xdg, env: { XDG_CONFIG_HOME: xdg, HOME: tempDir(), ...env }, ...extra };
}

/** The command line a settings snippet installs. */
function commandOf(stdout: string): string {
  const settings = JSON.parse(stdout.replace(/^\/\/.*\n/, "")) as { hooks: { PreToolUse: Array<{ hooks: Array<{ command: string }> }> } };
  return settings.hooks.PreToolUse[0]?.hooks[0]?.command ?? "";
}

/** A key file as a user might have left it: the key, with the given mode. */
function keyFile(mode: number, key = API_KEY): string {
  const dir = tempDir();
  chmodSync(dir, 0o700);
  const path = join(dir, "hook.key");
  writeFileSync(path, `${key}\n`);
  chmodSync(path, mode);
  return path;
}

describe("gatehouse hook setup", () => {
  it.each([
    ["claude-code", []],
    ["codex", []],
    ["claude-code", ["--wait", "60"]],
  ])("%s %j: the key goes to a 0600 file in a 0700 directory, the settings and their command line hold none of it", async (agent, flags) => {
    const w = world({ GATEHOUSE_API_KEY: API_KEY, GATEHOUSE_BASE_URL: BASE_URL });
    const run = await runCli(["hook", "setup", agent, ...flags], [], w);
    expect([run.code, run.stderr, run.calls]).toEqual([EXIT_OK, "", []]);
    const file = join(w.xdg, "gatehouse", "hooks", `${agent}.key`);
    expect(run.stdout).not.toContain(API_KEY);
    expect(run.stdout).not.toContain("gh_agent_");
    expect(run.stdout).toContain(`gatehouse hook ${agent} --base-url ${BASE_URL} --key-file ${file}`);
    expect(readFileSync(file, "utf8").trim()).toBe(API_KEY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(w.xdg, "gatehouse", "hooks")).mode & 0o777).toBe(0o700);
  });

  it("the command it installs decides with the saved key, from a process that has no key in its environment", async () => {
    const w = world({ GATEHOUSE_API_KEY: API_KEY, GATEHOUSE_BASE_URL: BASE_URL });
    const setup = await runCli(["hook", "setup", "claude-code"], [], w);
    const command = commandOf(setup.stdout);
    expect(command).toMatch(/ \|\| exit 2$/);
    const argv = command
      .replace(/ \|\| exit 2$/, "")
      .split(" ")
      .slice(1);
    const run = await runCli(argv, [allowed()], { env: { HOME: tempDir() }, readStdin: async () => JSON.stringify(BASH) });
    expect([run.code, JSON.parse(run.stdout)]).toEqual([EXIT_OK, ALLOW]);
    expect([run.calls[0]?.url, run.calls[0]?.headers.get("authorization")]).toEqual([`${BASE_URL}/v1/hooks/claude-code?waitSeconds=25`, `Bearer ${API_KEY}`]);
  });

  it("reads the key piped in (or typed at a hidden prompt) when neither --api-key nor $GATEHOUSE_API_KEY gives it", async () => {
    const asked: string[] = [];
    const w = world({ GATEHOUSE_BASE_URL: BASE_URL }, { readSecret: async (prompt) => (asked.push(prompt), API_KEY) });
    const run = await runCli(["hook", "setup", "codex"], [], w);
    expect([run.code, asked, run.stdout.includes(API_KEY)]).toEqual([EXIT_OK, ["Agent key (gh_…): "], false]);
    expect(readFileSync(join(w.xdg, "gatehouse", "hooks", "codex.key"), "utf8").trim()).toBe(API_KEY);
  });

  it("--key-file puts the key where it says (0600), and the command names that file", async () => {
    const dir = join(tempDir(), "keys");
    const path = join(dir, "reviewer.key");
    const run = await runCli(["hook", "setup", "claude-code", "--key-file", path], [], world({ GATEHOUSE_API_KEY: API_KEY }));
    expect(run.code).toBe(EXIT_OK);
    expect(commandOf(run.stdout)).toContain(`--key-file ${path}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("--http: Claude Code fills the header from its own environment; the settings hold no key and no file is written", async () => {
    const w = world({ GATEHOUSE_API_KEY: API_KEY, GATEHOUSE_BASE_URL: BASE_URL });
    const run = await runCli(["hook", "setup", "claude-code", "--http"], [], w);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).not.toContain(API_KEY);
    const settings = JSON.parse(run.stdout.replace(/^\/\/.*\n/, "")) as { hooks: { PreToolUse: Array<{ hooks: unknown[] }> } };
    expect(settings.hooks.PreToolUse[0]?.hooks[0]).toEqual({
      type: "http",
      url: `${BASE_URL}/v1/hooks/claude-code?waitSeconds=25`,
      headers: { Authorization: "Bearer $GATEHOUSE_API_KEY" },
      allowedEnvVars: ["GATEHOUSE_API_KEY"],
      timeout: 60,
    });
    expect(existsSync(join(w.xdg, "gatehouse", "hooks"))).toBe(false);
  });

  it("refuses an org admin key, and writes nothing", async () => {
    const w = world({ GATEHOUSE_API_KEY: ADMIN_KEY });
    const run = await runCli(["hook", "setup", "claude-code"], [], w);
    expect([run.code, run.stderr]).toEqual([EXIT_USAGE, expect.stringContaining("agent's key")]);
    expect(existsSync(join(w.xdg, "gatehouse"))).toBe(false);
  });
});

describe("gatehouse hook claude-code|codex: where the key comes from", () => {
  const decide = (argv: string[], w: CliWorld, replies = [allowed()]) =>
    runCli(["hook", "claude-code", "--base-url", BASE_URL, ...argv], replies, { ...w, readStdin: async () => JSON.stringify(BASH) });
  const reasonOf = (stdout: string) => (JSON.parse(stdout) as typeof ALLOW).hookSpecificOutput;

  it("from a key file only its user can read (0600, or 0400)", async () => {
    for (const mode of [0o600, 0o400]) {
      const run = await decide(["--key-file", keyFile(mode)], world());
      expect([run.code, reasonOf(run.stdout).permissionDecision, run.calls[0]?.headers.get("authorization")]).toEqual([EXIT_OK, "allow", `Bearer ${API_KEY}`]);
    }
  });

  it("passes on the input a policy rewrote (updatedInput): dropping it would run the call as the agent sent it", async () => {
    const rewritten = { hookSpecificOutput: { ...ALLOW.hookSpecificOutput, updatedInput: { command: "ls -la" } } };
    const run = await decide([], world({ GATEHOUSE_API_KEY: API_KEY }), [json(200, rewritten, { "x-gatehouse-status": "executed" })]);
    expect(reasonOf(run.stdout)).toEqual(rewritten.hookSpecificOutput);
    // A deny carries no input to run with, whatever the answer holds.
    const denied = { hookSpecificOutput: { ...rewritten.hookSpecificOutput, permissionDecision: "deny" } };
    const refused = await decide([], world({ GATEHOUSE_API_KEY: API_KEY }), [json(200, denied, { "x-gatehouse-status": "denied" })]);
    expect(reasonOf(refused.stdout)).not.toHaveProperty("updatedInput");
  });

  it("from $GATEHOUSE_API_KEY, with no file at all", async () => {
    const run = await decide([], world({ GATEHOUSE_API_KEY: API_KEY }));
    expect(run.calls[0]?.headers.get("authorization")).toBe(`Bearer ${API_KEY}`);
  });

  it("from the default key file hook setup writes, when nothing else names one", async () => {
    const w = world();
    mkdirSync(join(w.xdg, "gatehouse", "hooks"), { recursive: true, mode: 0o700 });
    writeFileSync(join(w.xdg, "gatehouse", "hooks", "claude-code.key"), API_KEY, { mode: 0o600 });
    const run = await decide([], w);
    expect(run.calls[0]?.headers.get("authorization")).toBe(`Bearer ${API_KEY}`);
  });

  it.each([
    ["readable by everyone (0644)", 0o644, /readable by other users.*chmod 600/],
    ["readable by its group (0640)", 0o640, /readable by other users.*chmod 600/],
    ["writable by everyone (0602)", 0o602, /readable by other users.*chmod 600/],
  ])("refuses a key file %s: a deny naming the file, nothing sent", async (_case, mode, reason) => {
    const path = keyFile(mode);
    const run = await decide(["--key-file", path], world());
    expect([run.code, reasonOf(run.stdout).permissionDecision, run.calls]).toEqual([EXIT_OK, "deny", []]);
    expect(reasonOf(run.stdout).permissionDecisionReason).toMatch(reason);
    expect(reasonOf(run.stdout).permissionDecisionReason).toContain(path);
    expect(run.stdout).not.toContain(API_KEY);
  });

  it("refuses a key file another user owns: a deny, nothing sent", async () => {
    const path = keyFile(0o600);
    const owner = statSync(path).uid;
    const run = await decide(["--key-file", path], world({}, { uid: owner + 1 }));
    expect([reasonOf(run.stdout).permissionDecision, run.calls]).toEqual(["deny", []]);
    expect(reasonOf(run.stdout).permissionDecisionReason).toMatch(/not owned by you/);
  });

  it.each([
    ["no such file", (dir: string) => join(dir, "missing.key"), /cannot read/],
    ["a directory", (dir: string) => dir, /not a file/],
    ["an empty file", (dir: string) => (writeFileSync(join(dir, "empty.key"), "\n", { mode: 0o600 }), join(dir, "empty.key")), /holds no key/],
  ])("a key file that is %s: a deny, nothing sent", async (_case, pathIn, reason) => {
    const dir = tempDir();
    chmodSync(dir, 0o700);
    const run = await decide(["--key-file", pathIn(dir)], world());
    expect([reasonOf(run.stdout).permissionDecision, run.calls]).toEqual(["deny", []]);
    expect(reasonOf(run.stdout).permissionDecisionReason).toMatch(reason);
  });

  it("refuses --api-key: a key on the hook's command line is one every local user can read", async () => {
    const run = await decide(["--api-key", API_KEY], world());
    expect([reasonOf(run.stdout).permissionDecision, run.calls]).toEqual(["deny", []]);
    expect(reasonOf(run.stdout).permissionDecisionReason).toMatch(/not on the command line/);
  });
});
