import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decideCliLogin, getMemberContext, pendingCliLogin, PENDING_PER_ADDRESS } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../packages/cli/src/cli.ts";
import { call, startApp, stopApp } from "./helpers";

// `gatehouse login --web` the way a new user runs it (issue 44, friction 7: no admin key to issue first): the CLI
// against the real API, a member confirming the code it prints, the key saved and used by the next command.

let app: FastifyInstance;
let baseUrl: string;
let org: TestOrg;
const homes: string[] = [];

beforeAll(async () => {
  app = await startApp();
  baseUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  org = await createTestOrg({ label: "cli-login" });
});
afterAll(async () => {
  await stopApp(app);
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** Runs `argv` with a config folder of its own; `onOutput` sees what it prints as it prints it. */
async function cli(argv: string[], home: string, onOutput: (text: string) => void = () => {}): Promise<{ code: number; out: string }> {
  let out = "";
  const print = (text: string) => {
    out += text;
    onOutput(out);
  };
  const code = await main({
    argv,
    env: { XDG_CONFIG_HOME: home, GATEHOUSE_BASE_URL: baseUrl },
    fetch: (input, init) => fetch(input, init),
    stdout: print,
    stderr: print,
    sleep: () => new Promise((r) => setTimeout(r, 20)),
  });
  return { code, out };
}

function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), "gatehouse-cli-login-"));
  homes.push(home);
  return home;
}

/** Confirms (or refuses) the code the CLI printed, as the org's owner in the console would, once it is printed. */
function memberAnswers(decision: "approve" | "deny"): { onOutput: (text: string) => void; done: Promise<void> } {
  let started = false;
  let resolve: () => void = () => {};
  const done = new Promise<void>((r) => (resolve = r));
  return {
    done,
    onOutput: (text) => {
      const code = /confirm the code ([A-Z]{4}-[A-Z]{4})/.exec(text)?.[1];
      if (!code || started) return;
      started = true;
      void (async () => {
        const ctx = await getMemberContext({ userId: org.owner.userId, orgSlug: org.org.slug, requestId: "cli-login-test" });
        // An owner types the code the terminal shows (issue 62): here, the one it printed.
        await decideCliLogin({ ctx, input: { userCode: code, typedCode: code, decision } });
        resolve();
      })();
    },
  };
}

describe("gatehouse login --web", () => {
  it("prints the console's page and a code; once a member confirms it, saves their key, which the next command uses", async () => {
    const home = freshHome();
    const member = memberAnswers("approve");
    const login = await cli(["login", "--web"], home, member.onOutput);
    await member.done;
    expect(login.out).toMatch(/Open https:\/\/console\.gatehouse\.test\/cli-login\?code=[A-Z]{4}-[A-Z]{4}/);
    expect(login, JSON.stringify(login.out)).toMatchObject({ code: 0, out: expect.stringContaining(`Logged in to ${org.org.name} (${org.org.slug})`) });
    const saved = JSON.parse(readFileSync(join(home, "gatehouse", "credentials.json"), "utf8")) as { apiKey: string; baseUrl: string };
    expect(saved).toMatchObject({ apiKey: expect.stringMatching(/^gh_admin_/), baseUrl });
    // The key is never printed.
    expect(login.out).not.toContain(saved.apiKey);
    // The next command takes it from the saved file: no key in the environment.
    const members = await cli(["members", "list"], home);
    expect(members, members.out).toMatchObject({ code: 0, out: expect.stringContaining(org.owner.email) });
  });

  it("login --refresh exchanges the saved key for one that lives 30 days from now; the old one stops working", async () => {
    const home = freshHome();
    const member = memberAnswers("approve");
    const login = await cli(["login", "--web"], home, member.onOutput);
    await member.done;
    expect(login.out).toContain("run gatehouse login --refresh before then");
    const file = join(home, "gatehouse", "credentials.json");
    const first = (JSON.parse(readFileSync(file, "utf8")) as { apiKey: string }).apiKey;
    const refresh = await cli(["login", "--refresh"], home);
    expect(refresh, refresh.out).toMatchObject({ code: 0, out: expect.stringContaining("the old one no longer works") });
    const second = (JSON.parse(readFileSync(file, "utf8")) as { apiKey: string }).apiKey;
    expect(second).not.toBe(first);
    expect(refresh.out).not.toContain(second);
    expect((await call(app, "GET", "/v1/whoami", { key: first })).statusCode).toBe(401);
    const me = await call(app, "GET", "/v1/whoami", { key: second });
    expect(me.statusCode).toBe(200);
    const listed = await call(app, "GET", "/v1/admin/keys", { key: second });
    const mine = (listed.json() as { keys: Array<{ id: string; expiresAt: string | null }> }).keys.find((k) => k.id === me.json().key.id);
    expect(Date.parse(mine?.expiresAt ?? "") - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it("a refused login saves nothing and exits 1", async () => {
    const home = freshHome();
    const member = memberAnswers("deny");
    const login = await cli(["login", "--web"], home, member.onOutput);
    await member.done;
    expect(login).toMatchObject({ code: 1, out: expect.stringContaining("refused in the console; nothing saved") });
    expect(existsSync(join(home, "gatehouse", "credentials.json"))).toBe(false);
  });

  it("--web with --api-key is a usage error (exit 2)", async () => {
    expect(await cli(["login", "--web", "--api-key", "gh_admin_x"], freshHome())).toMatchObject({ code: 2, out: expect.stringContaining("leave out --api-key") });
  });
});

describe("the public login routes", () => {
  it("refuse bad input with a 400 naming the field, and answer nothing a cache may keep", async () => {
    const missing = await call(app, "POST", "/v1/cli-logins", { body: {} });
    expect([missing.statusCode, missing.json().error.details.issues[0].path]).toEqual([400, "client"]);
    const extra = await call(app, "POST", "/v1/cli-logins", { body: { client: "x", org: "someone-else" } });
    expect(extra.statusCode).toBe(400);
    const badToken = await call(app, "POST", "/v1/cli-logins/token", { body: { pollToken: "guess" } });
    expect([badToken.statusCode, badToken.json().error.details.issues[0].path]).toEqual([400, "pollToken"]);
    const started = await call(app, "POST", "/v1/cli-logins", { body: { client: "gatehouse test" } });
    expect([started.statusCode, started.headers["cache-control"]]).toEqual([201, "no-store"]);
    const polled = await call(app, "POST", "/v1/cli-logins/token", { body: { pollToken: started.json().pollToken } });
    expect([polled.statusCode, polled.headers["cache-control"], polled.json()]).toEqual([200, "no-store", { status: "pending", interval: 2 }]);
  });

  it("records the device name the CLI sends and the User-Agent it came with, for the confirming member to see", async () => {
    const started = await app.inject({
      method: "POST",
      url: "/v1/cli-logins",
      remoteAddress: "203.0.113.44",
      headers: { "content-type": "application/json", "user-agent": "gatehouse-cli/0.1.0 node/24" },
      payload: JSON.stringify({ client: "gatehouse 0.1.0", deviceName: "ada-laptop" }),
    });
    expect(started.statusCode, started.body).toBe(201);
    expect(await pendingCliLogin({ userCode: started.json().userCode })).toMatchObject({
      deviceName: "ada-laptop",
      address: "203.0.113.44",
      userAgent: "gatehouse-cli/0.1.0 node/24",
    });
  });

  it("counts a client's waiting logins by its connection: a forged X-Forwarded-For neither earns more nor is what the member sees", async () => {
    // The API trusts no proxy here (as by default), so the header is the caller's own words. A documentation address
    // as the connection's, so no other test's logins count against it.
    const peer = "203.0.113.9";
    const start = (forged: string) =>
      app.inject({
        method: "POST",
        url: "/v1/cli-logins",
        remoteAddress: peer,
        headers: { "content-type": "application/json", "x-forwarded-for": forged },
        payload: JSON.stringify({ client: "gatehouse forged" }),
      });
    const answers = [];
    for (let i = 0; i <= PENDING_PER_ADDRESS; i++) answers.push(await start(`198.51.100.${i + 1}`));
    expect(answers.map((answer) => answer.statusCode)).toEqual([...Array<number>(PENDING_PER_ADDRESS).fill(201), 429]);
    expect(answers[PENDING_PER_ADDRESS]?.headers["retry-after"]).toBeDefined();
    // The confirm page shows the member where the login came from: the connection, never the header.
    const shown = await pendingCliLogin({ userCode: answers[0]?.json().userCode });
    expect(shown.address).toBe(peer);
    // Another connection is not held back by this one's waiting logins.
    const elsewhere = await app.inject({
      method: "POST",
      url: "/v1/cli-logins",
      remoteAddress: "203.0.113.10",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ client: "gatehouse" }),
    });
    expect(elsewhere.statusCode).toBe(201);
  });
});
