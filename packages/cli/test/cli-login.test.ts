import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { readFirstLine } from "../src/secret-input.ts";
import { ADMIN_KEY, apiError, json, runCli } from "./helpers.ts";

const whoami = {
  org: { id: "org_1", slug: "acme", name: "Acme" },
  member: { id: "mem_1", userId: "usr_1", email: "ada@example.test", role: "admin" },
  key: { id: "key_1", prefix: "gh_admin_test", lastFour: "6789", kind: "admin" },
};
const OTHER_KEY = "gh_admin_other000000000000000";

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-login-"));
  dirs.push(dir);
  return dir;
}

describe("gatehouse login / logout", () => {
  it("--refresh exchanges the saved key with itself (no body sent) and saves its successor; without a saved key, or with other options, it is a usage error", async () => {
    const xdg = tempDir();
    const env = { XDG_CONFIG_HOME: xdg, HOME: tempDir() };
    const file = join(xdg, "gatehouse", "credentials.json");
    expect(await runCli(["login", "--refresh"], [], { env })).toMatchObject({ code: EXIT_USAGE, calls: [] });
    mkdirSync(join(xdg, "gatehouse"), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify({ apiKey: ADMIN_KEY, baseUrl: "http://127.0.0.1:4100" }), { mode: 0o600 });
    expect(await runCli(["login", "--refresh", "--web"], [], { env })).toMatchObject({ code: EXIT_USAGE, calls: [] });
    const refreshed = await runCli(
      ["login", "--refresh"],
      [json(200, whoami), json(201, { id: "key_2", apiKey: OTHER_KEY, prefix: "gh_admin_othe", expiresAt: "2026-12-28T12:00:00.000Z" })],
      { env },
    );
    expect(refreshed.code, refreshed.stderr).toBe(EXIT_OK);
    expect([refreshed.calls[1]?.url, refreshed.calls[1]?.init.method, refreshed.calls[1]?.headers.get("authorization"), refreshed.calls[1]?.body ?? null]).toEqual([
      "http://127.0.0.1:4100/v1/admin/keys/key_1/refresh",
      "POST",
      `Bearer ${ADMIN_KEY}`,
      null,
    ]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ apiKey: OTHER_KEY, baseUrl: "http://127.0.0.1:4100" });
    expect(refreshed.stdout).toContain("The key expires 2026-12-28T12:00:00.000Z: run gatehouse login --refresh before then.");
    expect(refreshed.stdout).not.toContain(OTHER_KEY);
    // A key that does not refresh (409): exit 1, the saved key kept.
    writeFileSync(file, JSON.stringify({ apiKey: ADMIN_KEY, baseUrl: "http://127.0.0.1:4100" }), { mode: 0o600 });
    const standing = await runCli(["login", "--refresh"], [json(200, whoami), apiError(409, "CONFLICT")], { env });
    expect([standing.code, standing.stderr]).toEqual([EXIT_FAILURE, expect.stringContaining("answered 409")]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ apiKey: ADMIN_KEY, baseUrl: "http://127.0.0.1:4100" });
  });

  it("checks the key with whoami, saves it 0600 in a 0700 directory without printing it, and later commands use it", async () => {
    const xdg = tempDir();
    const env = { XDG_CONFIG_HOME: xdg, HOME: tempDir() };
    const login = await runCli(["login", "--api-key", ADMIN_KEY, "--base-url", "http://127.0.0.1:4100"], [json(200, whoami)], { env });
    const file = join(xdg, "gatehouse", "credentials.json");
    expect([login.code, login.stdout, login.stderr]).toEqual([EXIT_OK, `Logged in to Acme (acme) at http://127.0.0.1:4100 as ada@example.test (admin).\nSaved to ${file}.\n`, ""]);
    expect([login.calls[0]?.url, login.calls[0]?.headers.get("authorization")]).toEqual(["http://127.0.0.1:4100/v1/whoami", `Bearer ${ADMIN_KEY}`]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ apiKey: ADMIN_KEY, baseUrl: "http://127.0.0.1:4100" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(xdg, "gatehouse")).mode & 0o777).toBe(0o700);

    // No key in the flags or the environment: the saved key and URL.
    const saved = await runCli(["policies", "export"], [json(200, { policies: [] })], { env });
    expect([saved.code, saved.calls[0]?.url, saved.calls[0]?.headers.get("authorization")]).toEqual([EXIT_OK, "http://127.0.0.1:4100/v1/admin/policies", `Bearer ${ADMIN_KEY}`]);
    // GATEHOUSE_API_KEY wins over the file, --api-key over both; the base URL likewise.
    const fromEnv = await runCli(["policies", "export"], [json(200, { policies: [] })], {
      env: { ...env, GATEHOUSE_API_KEY: OTHER_KEY, GATEHOUSE_BASE_URL: "http://127.0.0.1:4200" },
    });
    expect([fromEnv.calls[0]?.url, fromEnv.calls[0]?.headers.get("authorization")]).toEqual(["http://127.0.0.1:4200/v1/admin/policies", `Bearer ${OTHER_KEY}`]);
    const fromFlag = await runCli(["policies", "export", "--api-key", ADMIN_KEY, "--base-url", "http://127.0.0.1:4300"], [json(200, { policies: [] })], {
      env: { ...env, GATEHOUSE_API_KEY: OTHER_KEY },
    });
    expect([fromFlag.calls[0]?.url, fromFlag.calls[0]?.headers.get("authorization")]).toEqual(["http://127.0.0.1:4300/v1/admin/policies", `Bearer ${ADMIN_KEY}`]);

    // Logging out removes the file; commands then have no key again.
    const logout = await runCli(["logout"], [], { env });
    expect([logout.code, logout.stdout]).toEqual([EXIT_OK, `Removed ${file}.\n`]);
    expect(existsSync(file)).toBe(false);
    const after = await runCli(["policies", "export"], [], { env });
    expect([after.code, after.calls.length, after.stderr]).toEqual([EXIT_USAGE, 0, expect.stringContaining("run gatehouse login")]);
    expect((await runCli(["logout"], [], { env })).stdout).toBe(`Not logged in (no ${file}).\n`);
  });

  it("reads the key from stdin without --api-key, and saves under ~/.config without XDG_CONFIG_HOME", async () => {
    const home = tempDir();
    const asked: string[] = [];
    const run = await runCli(["login"], [json(200, whoami)], {
      env: { HOME: home, GATEHOUSE_BASE_URL: "http://127.0.0.1:4100" },
      readSecret: async (prompt) => {
        asked.push(prompt);
        return readFirstLine(Readable.from([`${ADMIN_KEY}\n`, "ignored\n"]));
      },
    });
    expect([run.code, asked, run.stdout.includes(ADMIN_KEY)]).toEqual([EXIT_OK, ["Admin key (gh_admin_…): "], false]);
    expect(JSON.parse(readFileSync(join(home, ".config", "gatehouse", "credentials.json"), "utf8"))).toEqual({ apiKey: ADMIN_KEY, baseUrl: "http://127.0.0.1:4100" });
  });

  it("a key the server refuses: exit status 1, nothing written; a key of the wrong kind: exit status 2, nothing called", async () => {
    const xdg = tempDir();
    const refused = await runCli(["login", "--api-key", ADMIN_KEY], [apiError(401, "UNAUTHENTICATED")], { env: { XDG_CONFIG_HOME: xdg } });
    expect([refused.code, refused.stderr]).toEqual([EXIT_FAILURE, "error: UNAUTHENTICATED happened (status 401, request id req_401)\n"]);
    expect(existsSync(join(xdg, "gatehouse", "credentials.json"))).toBe(false);
    const agentKey = await runCli(["login", "--api-key", "gh_agent_abc"], [], { env: { XDG_CONFIG_HOME: xdg } });
    expect([agentKey.code, agentKey.calls.length, agentKey.stderr.includes("gh_agent_abc")]).toEqual([EXIT_USAGE, 0, false]);
    expect(existsSync(join(xdg, "gatehouse", "credentials.json"))).toBe(false);
  });

  it("a credentials file that is not one: exit status 1 naming it, nothing called", async () => {
    const xdg = tempDir();
    mkdirSync(join(xdg, "gatehouse"));
    writeFileSync(join(xdg, "gatehouse", "credentials.json"), "{ not json");
    const run = await runCli(["policies", "export"], [], { env: { XDG_CONFIG_HOME: xdg } });
    expect([run.code, run.calls.length, run.stderr]).toEqual([
      EXIT_FAILURE,
      0,
      `error: ${join(xdg, "gatehouse", "credentials.json")} is not a credentials file written by gatehouse login: run gatehouse login again, or gatehouse logout\n`,
    ]);
  });
});
