/**
 * The packages as a user gets them, by the README's own words: its install block ("Using the SDK and the
 * CLI outside this repository") runs as written, in bash, from this clone with no build in it (so
 * `npm run pack:packages` must build them: through turbo, whose cache CI's packages stage filled) and with an empty home folder: `npm run pack:packages`, a new project
 * in that home with @gatehouse/sdk and @gatehouse/cli installed from the tarballs, the CLI installed
 * globally too. A drift between the README and what works fails here. Then a plain ESM script and a
 * plain CommonJS script run execute, canI and gate against a real API process (the gate approved
 * through the admin API while the script waits); the installed `gatehouse` command prints its help,
 * exports that org's audit log and verifies it offline, and `gatehouse login` saves a piped key the
 * server accepted for the commands after it. A CommonJS script delegates: the delegate acts within its
 * scope, its dispose method revokes it, withDelegation and parallel fan out; the installed
 * `gatehouse delegations` prints the tree. The installed `gatehouse policies test` checks a policy
 * file's tests offline, and `policies apply` cannot publish a set whose test fails.
 */
import { execFile, spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { addTestMember, createTestOrg, testDatabaseUrl, type TestMember, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnApi, type ApiProcess } from "../../apps/api/test/spawn-api.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** The adapters (packages/integrations/*), packed beside the SDK and the CLI. */
const ADAPTERS = ["ai-sdk", "openai-agents", "langchain", "mcp", "openai", "anthropic", "google-genai", "mistral"];
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`, npm_config_update_notifier: "false" };
/** An empty home folder: the README's block makes its project there. */
const home = mkdtempSync(join(tmpdir(), "gatehouse-packages-"));
/** Where the block's `npm install -g` goes (a user's global prefix, here inside that home). */
const globalPrefix = join(home, ".npm-global");
/** The project the README's block made (the folder it ended in). */
let project = "";

function run(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: "utf8" });
  if (result.error) throw result.error;
  return result;
}

/** The README's install block for a clone: the first bash block of its "Using the SDK and the CLI outside this repository". */
function readmeInstallBlock(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((part) => part.startsWith("Using the SDK and the CLI outside this repository\n"));
  const block = section === undefined ? undefined : /^```bash\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (block === undefined) throw new Error('README.md has no bash block under "## Using the SDK and the CLI outside this repository"');
  return block;
}

/**
 * Runs the README's block as written, in bash with `-e`, from the clone: a user's shell with a fresh home
 * (no npm_* variables of this test run), npm's cache reused (preferred to the registry, which only the
 * CLI's dependencies may need) and the global prefix inside that home, on PATH. Answers where it ended.
 */
async function followReadme(): Promise<string> {
  const cache = run("npm", ["config", "get", "cache"], root).stdout.trim();
  const shell = Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_/i.test(name)));
  const ended = join(home, "ended-in");
  // The block, then one line of ours that records the folder it ended in.
  const script = `${readmeInstallBlock()}\nprintf '%s' "$PWD" > '${ended}'\n`;
  await promisify(execFile)("bash", ["-e", "-c", script], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: {
      ...shell,
      HOME: home,
      PATH: `${join(globalPrefix, "bin")}${delimiter}${shell.PATH ?? ""}`,
      npm_config_cache: cache,
      npm_config_prefer_offline: "true",
      npm_config_prefix: globalPrefix,
      npm_config_update_notifier: "false",
      npm_config_audit: "false",
      npm_config_fund: "false",
    },
  });
  return readFileSync(ended, "utf8");
}

let api: ApiProcess;
let org: TestOrg;
let approver: TestMember;

beforeAll(async () => {
  // A fresh clone has no builds: the README's `npm run pack:packages` must make them (turbo builds them, or restores
  // them from its cache when these sources were built before in this clone: CI's packages stage).
  for (const dir of ["packages/sdk/dist", "packages/cli/dist", ...ADAPTERS.map((name) => `packages/integrations/${name}/dist`)])
    rmSync(join(root, dir), { recursive: true, force: true });
  let ended: string;
  [api, ended] = await Promise.all([spawnApi({ DATABASE_URL: testDatabaseUrl(), REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" }), followReadme()]);
  project = ended;
  org = await createTestOrg({
    label: "packages",
    policies: [
      { name: "reads", actions: ["doc.read"], effect: "allow" },
      { name: "deploys", actions: ["deploy.*"], effect: "require_approval" },
    ],
  });
  approver = await addTestMember(org, "approver");
  // Builds and packs every published package from nothing (ten since the Google and Mistral wrappers), beside
  // the other suites on two cores: a bound on a hung build, not a speed target (bench/ has those).
}, 480_000);

afterAll(async () => {
  await api?.stop();
  rmSync(home, { recursive: true, force: true });
});

/** What both scripts do with the SDK, in the body of an async function; `sdk` and `verify` are its two entries. */
const SCRIPT = `
  const gh = new sdk.Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
  const executed = await gh.execute("doc.read");
  const canRead = await gh.canI("doc.read");
  const canDeploy = await gh.canI("deploy.prod");
  const checkpoint = await gh.audit.checkpoint();
  const proof = await gh.audit.proof({ entryId: executed.auditEventId, treeSize: checkpoint.treeSize });
  const bundle = await verify.verifyBundle(await gh.audit.export());
  const gated = await gh.gate("deploy.prod", { onRequested: (r) => console.log(JSON.stringify({ approvalId: r.approvalId })) });
  console.log(JSON.stringify({
    executed: executed.status,
    canRead: canRead.allowed,
    canDeploy: canDeploy.allowed,
    needsApproval: canDeploy.needsApproval,
    proofVerified: proof.verified,
    bundleValid: bundle.valid,
    gated: gated.status,
    denied: typeof sdk.DeniedError,
  }));
`;

/** Runs a script of the project; approves the gate it asks for with the approver's admin key. */
async function runScript(file: string): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [file], { cwd: project, env: { ...env, GH_KEY: org.agent.apiKey, GH_URL: api.url } });
  let stdout = "";
  let stderr = "";
  const approvals: Array<Promise<number>> = [];
  child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    const asked = /\{"approvalId":"([^"]+)"\}/.exec(stdout);
    if (asked && approvals.length === 0) {
      const decide = fetch(`${api.url}/v1/admin/approvals/${asked[1]}/decision`, {
        method: "POST",
        headers: { authorization: `Bearer ${approver.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ decision: "approve" }),
      });
      approvals.push(decide.then((response) => response.status));
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect([code, stderr]).toEqual([0, ""]);
  expect(await Promise.all(approvals)).toEqual([200]);
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as Record<string, unknown>;
}

const EXPECTED = {
  executed: "executed",
  canRead: true,
  canDeploy: false,
  needsApproval: true,
  proofVerified: true,
  bundleValid: true,
  gated: "executed",
  denied: "function",
};

describe("@gatehouse/sdk and @gatehouse/cli, installed from their tarballs as the README says", () => {
  it("pack one complete tarball of each into dist/packages/, the CLI's installing alone: no @gatehouse dependency, the SDK inside it", () => {
    expect(readdirSync(join(root, "dist/packages")).sort()).toEqual(
      ["ai-sdk", "anthropic", "cli", "google-genai", "langchain", "mcp", "mistral", "openai", "openai-agents", "sdk"].map((name) =>
        expect.stringMatching(new RegExp(`^gatehouse-${name}-\\d+\\.\\d+\\.\\d+.*\\.tgz$`)),
      ),
    );
    expect(project.startsWith(home) && existsSync(join(project, "package.json"))).toBe(true);
    const cli = JSON.parse(readFileSync(join(project, "node_modules/@gatehouse/cli/package.json"), "utf8")) as { dependencies?: Record<string, string> };
    expect(Object.keys(cli.dependencies ?? {}).filter((name) => name.startsWith("@gatehouse/"))).toEqual([]);
    // An import or require of a package of ours (not text that names one, as the SDK's warnings do).
    expect(readFileSync(join(project, "node_modules/@gatehouse/cli/dist/bin.js"), "utf8")).not.toMatch(
      /^\s*(?:import|export)\b[^\n]*\bfrom\s*["']@gatehouse\/|^\s*import\s*["']@gatehouse\/|\brequire\(\s*["']@gatehouse\//m,
    );
  });

  it("give a gatehouse command on PATH from the global install, which answers the API", () => {
    const bin = join(globalPrefix, "bin", "gatehouse");
    const help = run(bin, ["--help"], home);
    expect([help.status, help.stdout]).toEqual([0, expect.stringMatching(/^Usage: gatehouse <command>/)]);
    const shown = run(bin, ["org", "show"], home, { GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: api.url });
    expect([shown.status, shown.stdout, shown.stderr]).toEqual([0, expect.stringContaining(org.org.slug), ""]);
  });

  it("install our SDK with no dependency of its own, its main entry and the adapters' model-call entry free of node: modules", () => {
    const installed = JSON.parse(readFileSync(join(project, "node_modules/@gatehouse/sdk/package.json"), "utf8")) as Record<string, unknown>;
    expect([installed.name, installed.dependencies, installed.exports !== undefined]).toEqual(["@gatehouse/sdk", undefined, true]);
    for (const file of ["index.js", "index.cjs", "model-call.js", "model-call.cjs"]) {
      expect(readFileSync(join(project, "node_modules/@gatehouse/sdk/dist", file), "utf8")).not.toMatch(/["']node:|\bBuffer\b|\bprocess\.\w/);
    }
  });

  it("run execute, canI and gate from a plain ESM script", async () => {
    writeFileSync(join(project, "check.mjs"), `import * as sdk from "@gatehouse/sdk";\nimport * as verify from "@gatehouse/sdk/verify";\n${SCRIPT}`);
    expect(await runScript("check.mjs")).toEqual(EXPECTED);
  }, 60_000);

  it("run execute, canI and gate from a plain CommonJS script", async () => {
    writeFileSync(join(project, "check.cjs"), `const sdk = require("@gatehouse/sdk");\nconst verify = require("@gatehouse/sdk/verify");\n(async () => {${SCRIPT}})();`);
    expect(await runScript("check.cjs")).toEqual(EXPECTED);
  }, 60_000);

  it("give a gatehouse command that prints its help, and exports and verifies the org's audit log", () => {
    const bin = join(project, "node_modules/.bin/gatehouse");
    const help = run(bin, ["--help"], project);
    expect([help.status, help.stdout]).toEqual([0, expect.stringMatching(/^Usage: gatehouse <command>/)]);
    const connection = { GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: api.url };
    const exported = run(bin, ["audit", "export", "--out", "bundle.jsonl"], project, connection);
    expect([exported.status, exported.stderr]).toEqual([0, expect.any(String)]);
    const keys = run(bin, ["audit", "keys"], project, connection);
    writeFileSync(join(project, "keys.txt"), keys.stdout);
    const verified = run(bin, ["verify", "bundle.jsonl", "--key", "@keys.txt"], project);
    expect([verified.status, verified.stdout, verified.stderr]).toEqual([0, expect.stringMatching(/^✓ valid: /), ""]);
  }, 60_000);

  it("log in with a piped key the server accepts, which the next commands use; a refused key saves nothing", () => {
    const bin = join(project, "node_modules/.bin/gatehouse");
    const config = mkdtempSync(join(tmpdir(), "gatehouse-login-"));
    const file = join(config, "gatehouse", "credentials.json");
    // No key or URL from the environment: only what login saved.
    const loginEnv = { ...env, XDG_CONFIG_HOME: config, GATEHOUSE_API_KEY: "", GATEHOUSE_BASE_URL: "" };
    const login = (key: string) => spawnSync(bin, ["login", "--base-url", api.url], { cwd: project, env: loginEnv, input: `${key}\n`, encoding: "utf8" });
    try {
      const refused = login(`gh_admin_${"0".repeat(32)}`);
      expect([refused.status, existsSync(file)]).toEqual([1, false]);
      const accepted = login(org.adminKey.apiKey);
      expect([accepted.status, accepted.stdout, accepted.stderr]).toEqual([0, expect.stringContaining(`Logged in to ${org.org.name} (${org.org.slug})`), ""]);
      expect(accepted.stdout).not.toContain(org.adminKey.apiKey);
      const shown = spawnSync(bin, ["org", "show"], { cwd: project, env: loginEnv, encoding: "utf8" });
      expect([shown.status, shown.stdout]).toEqual([0, expect.stringContaining(org.org.slug)]);
      expect(spawnSync(bin, ["logout"], { cwd: project, env: loginEnv, encoding: "utf8" }).status).toBe(0);
      expect(spawnSync(bin, ["org", "show"], { cwd: project, env: loginEnv, encoding: "utf8" }).status).toBe(2);
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  }, 60_000);

  it("delegate from a plain CommonJS script: the delegate's scope, revoking by Symbol.asyncDispose, withDelegation in parallel; the CLI prints the tree", () => {
    // Node 20 has no `await using` syntax: the script calls the method it runs, [Symbol.asyncDispose]().
    const script = `const sdk = require("@gatehouse/sdk");
(async () => {
  const gh = new sdk.Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
  const sub = await gh.delegate("reader", { capabilities: ["doc.read"], ttl: "5m" });
  const inside = (await sub.execute("doc.read")).status;
  const outside = (await sub.execute("deploy.prod")).denialReason;
  const wider = await sub.delegate("wider", { capabilities: ["deploy.*"], ttl: 60 }).catch((e) => [e.name, e.capability]);
  const depth = (await sub.whoami()).delegation.depth;
  const listed = (await gh.delegations({ activeOnly: true })).map((d) => d.id).includes(sub.id);
  await sub[Symbol.asyncDispose]();
  const after = await sub.execute("doc.read").then((r) => r.denialReason, (e) => e.name);
  const fanned = await sdk.Gatehouse.parallel(["a", "b", "c"].map((n) => () => gh.withDelegation("fan-" + n, { capabilities: ["doc.*"], ttl: 60 }, async (d) => (await d.execute("doc.read")).status)));
  const active = (await gh.delegations({ activeOnly: true })).length;
  console.log(JSON.stringify({ id: sub.id, inside, outside, wider, depth, listed, after, fanned: fanned.map((r) => r.status === "fulfilled" ? r.value : String(r.reason)), active }));
})().catch((e) => { console.error(e); process.exit(1); });
`;
    writeFileSync(join(project, "delegate.cjs"), script);
    const ran = run(process.execPath, ["delegate.cjs"], project, { GH_KEY: org.agent.apiKey, GH_URL: api.url });
    expect([ran.status, ran.stderr]).toEqual([0, ""]);
    const result = JSON.parse(ran.stdout.trim()) as Record<string, unknown>;
    expect(result).toEqual({
      id: expect.stringMatching(/^dlg_/),
      inside: "executed",
      outside: "DELEGATION_SCOPE",
      wider: ["DelegationScopeError", "deploy.*"],
      depth: 1,
      listed: true,
      after: "AuthenticationError", // the revoked delegate's key stops working
      fanned: ["executed", "executed", "executed"],
      active: 0,
    });
    const bin = join(project, "node_modules/.bin/gatehouse");
    const listed = run(bin, ["delegations", "list", "--agent", org.agent.id], project, { GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: api.url });
    expect([listed.status, listed.stderr]).toEqual([0, ""]);
    expect(listed.stdout).toMatch(new RegExp(`^${org.agent.id}\\n  ${String(result.id)} +reader +agt_\\S+ +doc\\.read +revoked `));
    const again = run(bin, ["delegations", "revoke", String(result.id)], project, { GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: api.url });
    expect([again.status, again.stdout]).toEqual([0, `Nothing to revoke: ${String(result.id)} was revoked already.\n`]);
  }, 60_000);
  it("test a policy file offline with the installed gatehouse, and never publish a set whose test fails (the API refuses it, apply exits 1, nothing changes)", async () => {
    const own = await createTestOrg({ label: "packages-policies", policies: [{ name: "reads", actions: ["doc.read"], effect: "allow" }] });
    const bin = join(project, "node_modules/.bin/gatehouse");
    const connection = { GATEHOUSE_API_KEY: own.adminKey.apiKey, GATEHOUSE_BASE_URL: api.url };
    const policies = `policies:
  - name: repo-reads
    actions: [repo.read]
    effect: allow
  - name: deploys
    actions: [deploy.*]
    effect: require_approval
tests:
  - name: reads go through
    request: { actionType: repo.read }
    expect: { effect: allow, policy: repo-reads }
`;
    writeFileSync(
      join(project, "failing.yaml"),
      `${policies}  - name: deploys go straight through
    request: { actionType: deploy.prod }
    expect: { effect: allow }
`,
    );
    writeFileSync(join(project, "passing.yaml"), policies);

    const offline = run(bin, ["policies", "test", "failing.yaml"], project);
    expect(offline.status).toBe(1);
    expect(`${offline.stdout}${offline.stderr}`).toContain("deploys go straight through");
    // As CI runs it: the failing test as a SARIF error at its line, and as a JUnit failure.
    const sarif = run(bin, ["policies", "test", "failing.yaml", "--format", "sarif"], project);
    const sarifLog = JSON.parse(sarif.stdout) as {
      version: string;
      runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[];
    };
    expect([sarif.status, sarifLog.version, sarifLog.runs[0]?.results.map((r) => r.ruleId)]).toEqual([1, "2.1.0", ["GH001"]]);
    const junit = run(bin, ["policies", "test", "failing.yaml", "--format", "junit"], project);
    expect([junit.status, junit.stdout]).toEqual([1, expect.stringContaining('<testsuites name="gatehouse policies test" tests="2" failures="1"')]);
    const refused = run(bin, ["policies", "apply", "failing.yaml"], project, connection);
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining("tests[1]")]);
    const unchanged = run(bin, ["policies", "export"], project, connection);
    expect([unchanged.status, unchanged.stdout.includes("repo-reads"), unchanged.stdout.includes("doc.read")]).toEqual([0, false, true]);

    expect(run(bin, ["policies", "test", "passing.yaml"], project).status).toBe(0);
    const applied = run(bin, ["policies", "apply", "passing.yaml"], project, connection);
    expect([applied.status, applied.stderr]).toEqual([0, ""]);
    const exported = run(bin, ["policies", "export"], project, connection);
    expect([exported.stdout.includes("repo-reads"), exported.stdout.includes("reads go through")]).toEqual([true, true]);
  }, 60_000);
});

/**
 * Each adapter as a user gets it: its tarball installed into the same empty project beside the SDK's,
 * with its framework from npm (the versions this workspace tests with), and a plain script there that
 * runs the framework's own agent loop with a scripted model (no network): the model asks for an
 * allowed tool and a denied one; the allowed one runs, the denied one never does and the model reads why.
 * The model clients' wrappers call a loopback stand-in of their provider: a call within the budget reaches
 * it, one over the budget is refused and never does.
 */
describe("the adapters, installed from their tarballs into an empty project", () => {
  /** The version of a framework the workspace installed: hoisted, or in the one adapter that needs a version of its own dependencies (npm keeps it there). */
  const versionOf = (name: string) => {
    const places = [join(root, "node_modules", name), ...ADAPTERS.map((adapter) => join(root, "packages/integrations", adapter, "node_modules", name))];
    const found = places.find((place) => existsSync(join(place, "package.json"))) ?? places[0];
    return (JSON.parse(readFileSync(join(found as string, "package.json"), "utf8")) as { version: string }).version;
  };
  let own: TestOrg;

  beforeAll(async () => {
    own = await createTestOrg({
      label: "packages-adapters",
      policies: [
        { name: "reads", actions: ["tool.read_file", "mcp.files.read_file"], effect: "allow" },
        { name: "no-deletes", actions: ["tool.delete_repo", "mcp.files.delete_repo"], effect: "deny" },
        { name: "llm", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 2000 }, per: "agent-day" } },
      ],
    });
    const tarballs = readdirSync(join(root, "dist/packages"))
      .filter((file) => ADAPTERS.some((name) => file.startsWith(`gatehouse-${name}-`)))
      .map((file) => join(root, "dist/packages", file));
    const frameworks = [
      "ai",
      "zod",
      "@openai/agents",
      "langchain",
      "@langchain/core",
      "@langchain/langgraph",
      "@modelcontextprotocol/sdk",
      "openai",
      "@anthropic-ai/sdk",
      "@google/genai",
      "@mistralai/mistralai",
    ].map((name) => `${name}@${versionOf(name)}`);
    // As a user's shell would run it (no npm_* variables of this test run), from npm's cache where it can.
    const cache = run("npm", ["config", "get", "cache"], root).stdout.trim();
    const shell = Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_/i.test(name)));
    const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", ...tarballs, ...frameworks], {
      cwd: project,
      env: { ...shell, HOME: home, npm_config_cache: cache, npm_config_prefer_offline: "true", npm_config_update_notifier: "false" },
      encoding: "utf8",
    });
    expect([installed.status, installed.stderr]).toEqual([0, expect.any(String)]);
  }, 240_000);

  const runScript = (file: string, text: string) => {
    writeFileSync(join(project, file), text);
    const ran = run(process.execPath, [file], project, { GH_KEY: own.agent.apiKey, GH_URL: api.url });
    expect([ran.status, ran.stderr]).toEqual([0, ""]);
    return JSON.parse(ran.stdout.trim().split("\n").at(-1) as string) as { ran: string[]; read: string };
  };

  it("@gatehouse/ai-sdk governs generateText's tool calls", () => {
    const result = runScript(
      "ai-sdk.mjs",
      `import { Gatehouse } from "@gatehouse/sdk";
import { gatehouseToolApproval, governTools } from "@gatehouse/ai-sdk";
import { generateText, tool } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { z } from "zod";
const gatehouse = new Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
const ran = [];
const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } };
const model = new MockLanguageModelV4({
  doGenerate: async ({ prompt }) => prompt.some((m) => m.role === "tool")
    ? { content: [{ type: "text", text: prompt.filter((m) => m.role === "tool").flatMap((m) => m.content).map((p) => p.output.type === "execution-denied" ? p.output.reason : p.output.value).join(" | ") }], finishReason: { unified: "stop", raw: undefined }, usage, warnings: [] }
    : { content: [{ type: "tool-call", toolCallId: "ai-1", toolName: "readFile", input: '{"path":"README.md"}' }, { type: "tool-call", toolCallId: "ai-2", toolName: "deleteRepo", input: '{"repo":"acme/web"}' }], finishReason: { unified: "tool-calls", raw: undefined }, usage, warnings: [] },
});
const tools = governTools({
  readFile: tool({ inputSchema: z.object({ path: z.string() }), execute: async ({ path }) => { ran.push("readFile"); return "read " + path; } }),
  deleteRepo: tool({ inputSchema: z.object({ repo: z.string() }), execute: async () => { ran.push("deleteRepo"); return "deleted"; } }),
}, { gatehouse });
const result = await generateText({ model, tools, toolApproval: gatehouseToolApproval({ gatehouse }), prompt: "tidy up", stopWhen: ({ steps }) => steps.length >= 2 });
console.log(JSON.stringify({ ran, read: result.text }));
`,
    );
    expect(result).toEqual({ ran: ["readFile"], read: expect.stringMatching(/read README\.md \| .*Denied by policy 'no-deletes'/) });
  }, 60_000);

  it("@gatehouse/openai-agents governs run()'s tool calls", () => {
    const result = runScript(
      "openai-agents.mjs",
      `import { Gatehouse } from "@gatehouse/sdk";
import { governTools } from "@gatehouse/openai-agents";
import { Agent, Usage, run, setTracingDisabled, tool } from "@openai/agents";
import { z } from "zod";
setTracingDisabled(true);
const gatehouse = new Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
const ran = [];
const call = (callId, name, args) => ({ type: "function_call", callId, name, arguments: JSON.stringify(args), status: "completed" });
const steps = [[call("oa-1", "read_file", { path: "README.md" }), call("oa-2", "delete_repo", { repo: "acme/web" })]];
const model = {
  async getResponse(request) {
    const next = steps.shift();
    if (next) return { usage: new Usage(), output: next };
    const read = request.input.filter((item) => item.type === "function_call_result").map((item) => item.output.text ?? JSON.stringify(item.output)).join(" | ");
    return { usage: new Usage(), output: [{ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: read }] }] };
  },
  getStreamedResponse() { throw new Error("no streaming"); },
};
const tools = governTools([
  tool({ name: "read_file", description: "read", parameters: z.object({ path: z.string() }), execute: async ({ path }) => { ran.push("read_file"); return "read " + path; } }),
  tool({ name: "delete_repo", description: "delete", parameters: z.object({ repo: z.string() }), execute: async () => { ran.push("delete_repo"); return "deleted"; } }),
], { gatehouse });
const result = await run(new Agent({ name: "ops", model, tools }), "tidy up");
console.log(JSON.stringify({ ran, read: result.finalOutput }));
`,
    );
    expect(result).toEqual({ ran: ["read_file"], read: expect.stringMatching(/read README\.md \| .*Denied by policy 'no-deletes'/) });
  }, 60_000);

  it("@gatehouse/langchain governs createAgent's tool calls", () => {
    const result = runScript(
      "langchain.mjs",
      `import { Gatehouse } from "@gatehouse/sdk";
import { gatehouseMiddleware } from "@gatehouse/langchain";
import { AIMessage, ToolMessage, createAgent, fakeModel, tool } from "langchain";
import { z } from "zod";
const gatehouse = new Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
const ran = [];
const model = fakeModel()
  .respondWithTools([{ name: "read_file", args: { path: "README.md" }, id: "lc-1" }, { name: "delete_repo", args: { repo: "acme/web" }, id: "lc-2" }])
  .respond((messages) => new AIMessage(messages.filter((m) => ToolMessage.isInstance(m)).map((m) => m.text).join(" | ")));
const tools = [
  tool(async ({ path }) => { ran.push("read_file"); return "read " + path; }, { name: "read_file", description: "read", schema: z.object({ path: z.string() }) }),
  tool(async () => { ran.push("delete_repo"); return "deleted"; }, { name: "delete_repo", description: "delete", schema: z.object({ repo: z.string() }) }),
];
const agent = createAgent({ model, tools, middleware: [gatehouseMiddleware({ gatehouse })] });
const result = await agent.invoke({ messages: [{ role: "user", content: "tidy up" }] });
console.log(JSON.stringify({ ran, read: result.messages.at(-1).text }));
`,
    );
    expect(result).toEqual({ ran: ["read_file"], read: expect.stringMatching(/read README\.md \| .*Denied by policy 'no-deletes'/) });
  }, 60_000);

  it("@gatehouse/mcp's proxy governs an MCP client's tools/call to a server behind it", () => {
    const result = runScript(
      "mcp.mjs",
      `import { Gatehouse } from "@gatehouse/sdk";
import { GatehouseMcpProxy } from "@gatehouse/mcp";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { z } from "zod";
const gatehouse = new Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
const ran = [];
const files = new McpServer({ name: "files", version: "1.0.0" });
files.registerTool("read_file", { inputSchema: { path: z.string() } }, async ({ path }) => { ran.push("read_file"); return { content: [{ type: "text", text: "read " + path }] }; });
files.registerTool("delete_repo", { inputSchema: { repo: z.string() } }, async () => { ran.push("delete_repo"); return { content: [{ type: "text", text: "deleted" }] }; });
const [behindClient, behindServer] = InMemoryTransport.createLinkedPair();
await files.connect(behindServer);
const downstream = new Client({ name: "proxy", version: "1.0.0" });
await downstream.connect(behindClient);
const proxy = new GatehouseMcpProxy({ gatehouse, downstream, serverName: "files" });
const [frontClient, frontServer] = InMemoryTransport.createLinkedPair();
await proxy.server().connect(frontServer);
const client = new Client({ name: "agent", version: "1.0.0" });
await client.connect(frontClient);
const read = [];
for (const [name, args] of [["read_file", { path: "README.md" }], ["delete_repo", { repo: "acme/web" }]]) {
  const answer = await client.callTool({ name, arguments: args });
  read.push(answer.content.map((part) => part.text).join(" "));
}
await client.close();
await proxy.close();
console.log(JSON.stringify({ ran, read: read.join(" | ") }));
`,
    );
    expect(result).toEqual({ ran: ["read_file"], read: expect.stringMatching(/read README\.md \| .*Denied by policy 'no-deletes'/) });
  }, 60_000);
  /** A loopback stand-in of a provider's API answering every request with `body` (and recording the requests), as a script's first lines. */
  const standInLines = (body: object) =>
    `const received = [];
const server = createServer((req, res) => {
  let text = "";
  req.on("data", (chunk) => (text += chunk));
  req.on("end", () => {
    received.push(JSON.parse(text));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(${JSON.stringify(JSON.stringify(body))});
  });
});
`;

  it("@gatehouse/openai holds an OpenAI client to its budget (ESM)", () => {
    const completion = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "hello" }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    };
    const result = runScript(
      "openai.mjs",
      `import { createServer } from "node:http";
import { Gatehouse } from "@gatehouse/sdk";
import { flushReports, wrapOpenAI } from "@gatehouse/openai";
import OpenAI from "openai";
${standInLines(completion)}
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const gatehouse = new Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
const openai = wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: "http://127.0.0.1:" + server.address().port + "/v1", maxRetries: 0 }), gatehouse);
const messages = [{ role: "user", content: "hi" }];
const answered = (await openai.chat.completions.create({ model: "gpt-4o-mini", messages, max_tokens: 100 })).choices[0].message.content;
const refused = await openai.chat.completions.create({ model: "gpt-4o-mini", messages, max_tokens: 5000 }).then(() => "sent", (error) => error.name);
await flushReports(openai);
server.close();
await gatehouse.close();
console.log(JSON.stringify({ ran: received.map((body) => "max_tokens " + body.max_tokens), read: answered + " | " + refused }));
`,
    );
    expect(result).toEqual({ ran: ["max_tokens 100"], read: "hello | BudgetExceededError" });
  }, 60_000);

  it("@gatehouse/anthropic holds an Anthropic client to its budget (CommonJS)", () => {
    const message = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-haiku-4-5-20251001",
      content: [{ type: "text", text: "hello" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 2 },
    };
    const result = runScript(
      "anthropic.cjs",
      `const { createServer } = require("node:http");
const { Gatehouse } = require("@gatehouse/sdk");
const { flushReports, wrapAnthropic } = require("@gatehouse/anthropic");
const { Anthropic } = require("@anthropic-ai/sdk");
${standInLines(message)}
(async () => {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const gatehouse = new Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
  const anthropic = wrapAnthropic(new Anthropic({ apiKey: "test", baseURL: "http://127.0.0.1:" + server.address().port, maxRetries: 0 }), gatehouse);
  const messages = [{ role: "user", content: "hi" }];
  const answered = (await anthropic.messages.create({ model: "claude-haiku-4-5", messages, max_tokens: 100 })).content[0].text;
  const refused = await anthropic.messages.create({ model: "claude-haiku-4-5", messages, max_tokens: 5000 }).then(() => "sent", (error) => error.name);
  await flushReports(anthropic);
  server.close();
  await gatehouse.close();
  console.log(JSON.stringify({ ran: received.map((body) => "max_tokens " + body.max_tokens), read: answered + " | " + refused }));
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    expect(result).toEqual({ ran: ["max_tokens 100"], read: "hello | BudgetExceededError" });
  }, 60_000);
  it("@gatehouse/google-genai holds a Google Gen AI client to its budget (ESM)", () => {
    const response = {
      candidates: [{ content: { role: "model", parts: [{ text: "hello" }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2, totalTokenCount: 12 },
      modelVersion: "gemini-2.5-flash",
    };
    const result = runScript(
      "google-genai.mjs",
      `import { createServer } from "node:http";
import { Gatehouse } from "@gatehouse/sdk";
import { flushReports, wrapGoogleGenAI } from "@gatehouse/google-genai";
import { GoogleGenAI } from "@google/genai";
${standInLines(response)}
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const gatehouse = new Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
const ai = wrapGoogleGenAI(new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: "http://127.0.0.1:" + server.address().port, retryOptions: { attempts: 1 } } }), gatehouse);
const answered = (await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hi", config: { maxOutputTokens: 100 } })).text;
const refused = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hi", config: { maxOutputTokens: 5000 } }).then(() => "sent", (error) => error.name);
await flushReports(ai);
server.close();
await gatehouse.close();
console.log(JSON.stringify({ ran: received.map((body) => "maxOutputTokens " + body.generationConfig.maxOutputTokens), read: answered + " | " + refused }));
`,
    );
    expect(result).toEqual({ ran: ["maxOutputTokens 100"], read: "hello | BudgetExceededError" });
  }, 60_000);

  it("@gatehouse/mistral holds a Mistral client to its budget (ESM)", () => {
    const completion = {
      id: "cmpl-1",
      object: "chat.completion",
      created: 1,
      model: "mistral-small",
      choices: [{ index: 0, message: { role: "assistant", content: "hello" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
    };
    const result = runScript(
      "mistral.mjs",
      `import { createServer } from "node:http";
import { Gatehouse } from "@gatehouse/sdk";
import { flushReports, wrapMistral } from "@gatehouse/mistral";
import { Mistral } from "@mistralai/mistralai";
${standInLines(completion)}
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const gatehouse = new Gatehouse({ apiKey: process.env.GH_KEY, baseUrl: process.env.GH_URL });
const mistral = wrapMistral(new Mistral({ apiKey: "test", serverURL: "http://127.0.0.1:" + server.address().port, retryConfig: { strategy: "none" } }), gatehouse);
const messages = [{ role: "user", content: "hi" }];
const answered = (await mistral.chat.complete({ model: "mistral-small", messages, maxTokens: 100 })).choices[0].message.content;
const refused = await mistral.chat.complete({ model: "mistral-small", messages, maxTokens: 5000 }).then(() => "sent", (error) => error.name);
await flushReports(mistral);
server.close();
await gatehouse.close();
console.log(JSON.stringify({ ran: received.map((body) => "max_tokens " + body.max_tokens), read: answered + " | " + refused }));
`,
    );
    expect(result).toEqual({ ran: ["max_tokens 100"], read: "hello | BudgetExceededError" });
  }, 60_000);
});
