// What npm start's smoke test (start.smoke.test.ts) runs against the embedded default: every verb of
// the SDK's agent client, every command family of the CLI, every console page. Each table is checked
// against what it covers (the client's methods, the CLI's help, the app directory), so a new verb,
// command or page without a case fails the suite.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  AuthenticationError,
  BudgetExceededError,
  DelegatedAgent,
  describeToolCall,
  Gatehouse,
  GatehouseAdmin,
  RunClient,
  rewrittenArguments,
  type ActionResult,
  type GatehouseEvent,
} from "@gatehouse/sdk";
import { verifyBundle, verifyTlogProof } from "@gatehouse/sdk/verify";
import { flushReports, wrapOpenAI } from "@gatehouse/openai";
import OpenAI from "openai";
import { Webhook } from "standardwebhooks";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { z } from "zod";
import { expect } from "vitest";
import type { DevFile } from "../lib/dev-file.ts";
import { startMcpUpstream } from "../lib/mcp-upstream.ts";
import { childEnv } from "../lib/env.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// ---------------------------------------------------------------------------------------------
// The SDK

/** The org's published policies as documents, to apply again with more beside them. */
async function publishedDocuments(admin: GatehouseAdmin) {
  const { policies } = await admin.policies.list();
  return policies.map(({ version: _v, contentHash: _h, versionId: _i, updatedAt: _a, updatedBy: _b, decisions7d: _d, ...document }) => document);
}

/**
 * The agent client's verbs: its methods, its static ones (`parallel`), the audit namespace's
 * (`audit.list`, …), a delegate's own methods (`DelegatedAgent`) and a run's (`RunClient`), read from the classes themselves.
 */
export function sdkVerbs(client: Gatehouse): string[] {
  const methods = (target: object) =>
    Object.getOwnPropertyNames(target).filter((name) => name !== "constructor" && typeof Object.getOwnPropertyDescriptor(target, name)?.value === "function");
  const statics = Object.getOwnPropertyNames(Gatehouse).filter((name) => typeof (Gatehouse as unknown as Record<string, unknown>)[name] === "function");
  const audit = Object.keys(client.audit).filter((name) => typeof (client.audit as unknown as Record<string, unknown>)[name] === "function");
  // What a delegate does its own way (an override such as `revoke()` counts: it is another verb).
  const delegate = methods(DelegatedAgent.prototype);
  const run = methods(RunClient.prototype);
  return [
    ...new Set([
      ...methods(Gatehouse.prototype),
      ...statics.map((name) => `static ${name}`),
      ...audit.map((name) => `audit.${name}`),
      ...delegate.map((name) => `delegate.${name}`),
      ...run.map((name) => `run.${name}`),
    ]),
  ].sort();
}

interface SdkState {
  client: Gatehouse;
  admin: GatehouseAdmin;
  dev: DevFile;
  executed?: ActionResult;
  requested?: ActionResult;
  child?: DelegatedAgent;
  grandchild?: DelegatedAgent;
  checkpointNote?: string;
}

/** Approves `approvalId` as the demo org's admin would (its admin key, the API the console calls too). */
async function approve(state: SdkState, approvalId: string): Promise<void> {
  const decided = await state.admin.approvals.approve(approvalId, { reason: "smoke test" });
  expect(decided.status).toBe("approved");
}

/**
 * The guardrails of a model call on the embedded default (docs/guardrails.md): `wrapOpenAI` against a
 * loopback stand-in of OpenAI's API that answers with the placeholder it received. The stand-in receives
 * neither the email nor the token; the answer has the email back; the decision names both findings.
 */
async function governedModelCall(s: SdkState): Promise<void> {
  const email = "smoke.person@example.com";
  const token = "ghp_R7kq2VbX9mWc4LpZs8TnY3dHf6JgA1eQo5Ui";
  const received: string[] = [];
  const provider = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => void (body += chunk));
    req.on("end", () => {
      received.push(body);
      const placeholder = /\[personal:email#[0-9a-f]{8}\]/.exec(body)?.[0] ?? "?";
      const message = { role: "assistant", content: `Wrote to ${placeholder}.`, refusal: null };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "c1",
          object: "chat.completion",
          created: 1,
          model: "gpt-4o-mini",
          choices: [{ index: 0, message, finish_reason: "stop" }],
          usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
  try {
    const openai = wrapOpenAI(new OpenAI({ apiKey: "smoke", baseURL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`, maxRetries: 0 }), s.client);
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_completion_tokens: 50,
      messages: [{ role: "user", content: `Write to ${email} with ${token}.` }],
    });
    await flushReports(openai);
    expect(completion.choices[0]?.message.content).toBe(`Wrote to ${email}.`);
    expect(received.join("")).not.toContain(email);
    expect(received.join("")).not.toContain(token);
  } finally {
    await new Promise((resolve) => provider.close(resolve));
  }
}

/** One case per verb, in the order they run (later ones use what earlier ones made). */
export const SDK_CASES: Array<[verb: string, run: (state: SdkState) => Promise<void>]> = [
  [
    "whoami",
    async (s) => {
      const me = await s.client.whoami();
      expect(me.org.slug).toBe(s.dev.orgSlug);
    },
  ],
  [
    "policies",
    async (s) => {
      const { policies } = await s.client.policies();
      expect(policies.map((p) => p.name)).toContain("merges-need-review");
    },
  ],
  [
    "canI",
    async (s) => {
      const check = await s.client.canI("pr.open");
      expect(check.allowed).toBe(true);
      expect((await s.client.canI("pr.merge")).needsApproval).toBe(true);
    },
  ],
  [
    "scan",
    async (s) => {
      // The standalone scan on the embedded default: findings by path, never the value; the large one runs on the work pool.
      const text = `deploy with ghp_${"A1b2".repeat(9)} and mail jane.doe@example.com`;
      const found = await s.client.scan({ text });
      expect(found.findings.map((f) => [f.detector, f.path])).toEqual([
        ["github_token", "text"],
        ["email", "text"],
      ]);
      expect(JSON.stringify(found)).not.toContain("jane.doe@example.com");
      const large = await s.client.scan({ json: { log: `${"line ".repeat(2_000)}${text}` } });
      expect(large.findings.map((f) => f.path)).toEqual(["json.log", "json.log"]);
    },
  ],
  [
    "contentDetectors",
    async (s) => {
      // An org's own detector on the embedded default: added by the admin, served to the agent's screen, found by a scan.
      const added = await fetch(`${s.dev.apiUrl}/v1/content/detectors`, {
        method: "POST",
        headers: { authorization: `Bearer ${s.dev.adminApiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "smoke_ticket", class: "secrets", pattern: "SMOKE-[0-9]{8}", keywords: ["smoke-"] }),
      });
      expect(added.status, await added.clone().text()).toBe(201);
      const { detectors } = await s.client.contentDetectors();
      expect(detectors.map((d) => d.name)).toContain("smoke_ticket");
      const found = await s.client.scan({ text: "ticket SMOKE-12345678 is open" });
      expect(found.findings.map((f) => f.detector)).toEqual(["smoke_ticket"]);
    },
  ],
  [
    "execute",
    async (s) => {
      s.executed = await s.client.execute("pr.open", { metadata: { repo: "acme/web" } });
      expect(s.executed.status).toBe("executed");
      // Loop detection on the embedded default (counted in PGlite, no Redis): the 21st identical call is refused.
      const looped: string[] = [];
      for (let i = 0; i < 21; i += 1) {
        const result = await s.client.execute("pr.open", { metadata: { repo: "acme/web", smoke: "loop" } });
        looped.push(result.denialReason ?? result.status);
      }
      expect(looped).toEqual([...Array<string>(20).fill("executed"), "LOOP_DETECTED"]);
    },
  ],
  [
    "withIntegration",
    async (s) => {
      // A tool call as an adapter makes it: bound to its arguments' digest, the integration recorded.
      const call = await describeToolCall({ name: "openPr", args: { repo: "acme/web" }, actionType: "pr.open", callId: "smoke-call" });
      const decided = await s.client.withIntegration("ai-sdk/0.0.0").execute(call.actionType, call);
      expect([decided.status, decided.tool]).toEqual(["executed", call.tool]);
      // A policy that rewrites the call (docs/policies.md, Rewriting a call), published by the demo org's
      // admin: the decision carries the changes, and the tool runs with its arguments as rewritten.
      const documents = await publishedDocuments(s.admin);
      const rewrite = {
        name: "smoke-charges",
        actions: ["tool.charge"],
        effect: "allow" as const,
        redact: [{ path: "metadata.arguments.note" }],
        transform: [{ path: "metadata.arguments.amount", max: 500 }],
      };
      const applied = await s.admin.policies.apply([...documents, rewrite]);
      expect(JSON.stringify(applied)).toContain("smoke-charges");
      const args = { amount: 900, note: "refund without asking", customer: "cus_1" };
      const charge = await describeToolCall({ name: "charge", args, actionType: "tool.charge", callId: "smoke-charge" });
      const charged = await s.client.withIntegration("ai-sdk/0.0.0").execute(charge.actionType, charge);
      expect([charged.status, charged.policyName]).toEqual(["executed", "smoke-charges"]);
      expect(await rewrittenArguments(charged, { name: "charge", args })).toEqual({ amount: 500, customer: "cus_1" });
    },
  ],
  [
    "report",
    async (s) => {
      const outcome = await s.client.report(s.executed?.auditEventId ?? "", { status: "success", message: "opened" });
      expect(outcome).toBeTruthy();
    },
  ],
  [
    "gate",
    async (s) => {
      // A merge waits for a person; the demo org's admin approves it and gate() continues. A minute
      // at most: a decision that never arrives fails the case instead of waiting out the suite.
      let approving: Promise<void> | undefined;
      const result = await s.client.gate("pr.merge", {
        metadata: { repo: "acme/web" },
        deadline: Date.now() + 60_000,
        onRequested: (requested) => {
          approving = approve(s, requested.approvalId ?? "");
          approving.catch(() => {});
        },
      });
      await approving;
      expect(approving, "gate() waited for an approval").toBeDefined();
      expect(result.status).toBe("executed");
    },
  ],
  [
    "waitForApproval",
    async (s) => {
      s.requested = await s.client.execute("pr.merge", { metadata: { repo: "acme/web" } });
      expect(s.requested.status).toBe("requested");
      await approve(s, s.requested.approvalId ?? "");
      expect((await s.client.waitForApproval(s.requested.approvalId ?? "", { deadline: Date.now() + 60_000 })).status).toBe("executed");
    },
  ],
  [
    "approval",
    async (s) => {
      expect((await s.client.approval(s.requested?.approvalId ?? "")).status).toBe("approved");
    },
  ],
  [
    "delegate",
    async (s) => {
      // A delegate, and a delegate of the delegate (nested), each acting within what it was given.
      s.child = await s.client.delegate("smoke-child", { capabilities: ["pr.*"], ttl: "10m" });
      expect((await s.child.execute("pr.open")).status).toBe("executed");
      s.grandchild = await s.child.delegate("smoke-grandchild", { capabilities: ["pr.open"], ttl: "5m" });
      expect(s.grandchild.delegation.depth).toBe(2);
      expect((await s.grandchild.execute("pr.open")).status).toBe("executed");
      expect((await s.grandchild.whoami()).agent?.id).toBe(s.grandchild.childAgentId);
    },
  ],
  [
    "delegations",
    async (s) => {
      expect((await s.client.delegations()).map((d) => d.id)).toContain(s.child?.id);
    },
  ],
  [
    "revoke",
    async (s) => {
      // The parent revokes its delegate by id: the nested one goes with it.
      const revoked = await s.client.revoke(s.child?.id ?? "");
      expect(JSON.stringify(revoked)).toContain(s.grandchild?.id ?? "none");
      await expect(s.grandchild?.whoami()).rejects.toBeInstanceOf(AuthenticationError);
    },
  ],
  [
    "delegate.revoke",
    async (s) => {
      const delegate = await s.client.delegate("smoke-revoked-by-itself", { capabilities: ["pr.open"], ttl: 300 });
      await delegate.revoke();
      await expect(delegate.whoami()).rejects.toBeInstanceOf(AuthenticationError);
    },
  ],
  [
    "withDelegation",
    async (s) => {
      let used: DelegatedAgent | undefined;
      const status = await s.client.withDelegation("smoke-scoped", { capabilities: ["pr.open"], ttl: "5m" }, async (delegate) => {
        used = delegate;
        return (await delegate.execute("pr.open")).status;
      });
      expect(status).toBe("executed");
      await expect(used?.whoami()).rejects.toBeInstanceOf(AuthenticationError);
    },
  ],
  [
    "heartbeat",
    async (s) => {
      // The client has beaten by itself since its first call; one asked for answers the agent live.
      const beat = await s.client.heartbeat();
      expect(beat.presence).toBe("live");
      const listed = await s.admin.agents.list();
      expect(listed.find((a) => a.id === beat.agentId)?.presence).toBe("live");
    },
  ],
  ["close", async (s) => expect(await s.client.close()).toBeUndefined()],
  [
    "run",
    async (s) => {
      // A run on the embedded default: its calls, a delegate's in it, then read back with its timeline and ended.
      let runId = "";
      await s.client.run("smoke run", async (run) => {
        runId = run.runId;
        expect((await run.execute("pr.open")).run?.runId).toBe(runId);
        await run.withDelegation("smoke-run-helper", { capabilities: ["pr.*"], ttl: 60 }, (sub) => sub.execute("pr.comment"));
      });
      const detail = await s.client.getRun(runId);
      expect(detail.run).toMatchObject({ name: "smoke run", status: "completed", decisions: { total: 2 } });
      expect(detail.timeline.map((i) => i.type)).toEqual(["decision", "decision", "ended"]);
      expect((await s.admin.runs.get(detail.run.id)).run.runId).toBe(runId);
    },
  ],
  [
    "withRun",
    async (s) => {
      expect((await s.client.withRun("smoke-with-run", { name: "carried on" }).execute("pr.comment")).run?.runId).toBe("smoke-with-run");
    },
  ],
  ["runs", async (s) => expect((await s.client.runs({ limit: 100 })).runs.map((r) => r.runId)).toContain("smoke-with-run")],
  [
    "prices",
    async (s) => {
      // The demo's budget on model calls (model-calls-daily): a declared call reserves, its usage settles, an
      // oversized one is refused before it runs; then the budget reads back through the admin client.
      const prices = await s.client.prices();
      expect(prices.models.filter((m) => m.current && m.tier === "standard").length).toBeGreaterThanOrEqual(25);
      const call = await s.client.execute("llm.openai.gpt-4o-mini", { spend: { model: "gpt-4o-mini", inputTokens: 1200, maxOutputTokens: 400 } });
      expect(call.status).toBe("executed");
      const settled = await s.client.report(call.auditEventId, { status: "success", usage: { inputTokens: 1100, outputTokens: 250 } });
      expect(settled.spend).toEqual({ model: "gpt-4o-mini", tokens: 1350, usd: (1100 * 0.15 + 250 * 0.6) / 1e6 });
      const huge = { spend: { model: "gpt-4o", inputTokens: 1_000_000, maxOutputTokens: 1_000_000 } };
      expect(await s.client.execute("llm.openai.gpt-4o", huge)).toMatchObject({ status: "denied", denialReason: "BUDGET_EXCEEDED", budget: { exceeded: true } });
      const refused = await s.client.gate("llm.openai.gpt-4o", huge).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(BudgetExceededError);
      expect((refused as BudgetExceededError).budget).toMatchObject({ name: "model-calls-daily", limit: { tokens: 2_000_000, usd: 5 } });
      const budgets = await s.admin.budgets.list();
      expect(budgets.budgets.find((b) => b.name === "model-calls-daily")?.spent.tokens).toBeGreaterThanOrEqual(1350);
      expect((await s.admin.budgets.prices()).version).toBe(prices.version);
      await governedModelCall(s);
    },
  ],
  ["getRun", async (s) => expect((await s.client.getRun("smoke-with-run")).run.name).toBe("carried on")],
  ["endRun", async (s) => expect((await s.client.endRun("smoke-with-run", "cancelled")).status).toBe("cancelled")],
  [
    "run.get",
    async (s) => {
      const run = s.client.withRun("smoke-run-get");
      await run.canI("pr.open");
      await run.execute("pr.open");
      expect((await run.get()).timeline).toHaveLength(1);
    },
  ],
  ["run.end", async (s) => expect((await s.client.withRun("smoke-run-get").end("failed")).status).toBe("failed")],
  [
    "static parallel",
    async (s) => {
      const results = await Gatehouse.parallel([() => s.client.canI("pr.open"), () => s.client.execute("pr.comment"), s.client.whoami()], { concurrency: 2 });
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    },
  ],
  [
    "posture",
    async (s) => {
      const posture = await s.client.posture();
      expect(posture.score).toBeGreaterThanOrEqual(0);
      // The governance health beside it (an admin's): every probe runs on the embedded database, and the decisions
      // this smoke test made are counted.
      const health = await s.admin.health.governance();
      for (const item of Object.values(health.items)) expect(item.reason).not.toMatch(/could not run/);
      expect(health.items.signingKey.details?.usable).toBe(true);
      expect(health.items.decisionLatency.details?.samples).toBeGreaterThan(0);
    },
  ],
  [
    "subscribe",
    async (s) => {
      // The stream opens, then a decision is announced on it (calls are repeated until it is, as the
      // subscription may start after the first one).
      const controller = new AbortController();
      const events = s.client.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();
      const first = events.next();
      let seen: IteratorResult<GatehouseEvent> | undefined;
      void first.then((event) => (seen = event));
      const deadline = Date.now() + 20_000;
      while (!seen && Date.now() < deadline) {
        await s.client.execute("pr.open");
        await Promise.race([first, sleep(1_000)]);
      }
      controller.abort();
      expect(seen?.done).toBe(false);
      expect(seen?.value?.type).toBeTruthy();
    },
  ],
  [
    "verify",
    async (s) => {
      // First a large append: publishing 120 more policies, then archiving them, appends more entries each time than one
      // statement carries (APPEND_CHUNK, packages/db/src/audit/append-audit-entries.ts), on the embedded database too.
      const documents = await publishedDocuments(s.admin);
      const bulk = Array.from({ length: 120 }, (_, i) => ({ name: `smoke-bulk-${i}`, actions: [`smoke.bulk.${i}`], effect: "allow" as const }));
      const published = await s.admin.policies.apply([...documents, ...bulk]);
      expect(published.created).toHaveLength(bulk.length);
      const archived = await s.admin.policies.apply(documents);
      expect(archived.archived).toHaveLength(bulk.length);
      const verified = await s.client.verify();
      expect(verified.valid).toBe(true);
      expect(verified.checkedEntries).toBeGreaterThan(2 * bulk.length);
    },
  ],
  [
    "audit.list",
    async (s) => {
      expect((await s.client.audit.list({ limit: 5 })).events.length).toBeGreaterThan(0);
    },
  ],
  [
    "audit.checkpoint",
    async (s) => {
      s.checkpointNote = (await s.client.audit.checkpoint()).note;
      expect(s.checkpointNote).toContain("\n");
    },
  ],
  [
    "audit.checkpoints",
    async (s) => {
      expect((await s.client.audit.checkpoints()).checkpoints.length).toBeGreaterThan(0);
    },
  ],
  [
    "audit.keys",
    async (s) => {
      expect((await s.client.audit.keys()).keys.length).toBeGreaterThan(0);
    },
  ],
  [
    "audit.proof",
    async (s) => {
      const proof = await s.client.audit.proof({ entryId: s.executed?.auditEventId ?? "" });
      expect(proof.problem).toBeUndefined();
      expect(proof.verified).toBe(true);
    },
  ],
  [
    "audit.tlogProof",
    async (s) => {
      // The agent's own entry as a C2SP tlog-proof file (no witnesses on the demo org: the log's signature alone), checked offline.
      const file = await s.client.audit.tlogProof({ entryId: s.executed?.auditEventId ?? "" });
      const keys = (await s.client.audit.keys()).keys.map((k) => k.vkey);
      const report = verifyTlogProof(file, { keys });
      expect(report.problem).toBeNull();
      expect(report.entry).toMatchObject({ id: s.executed?.auditEventId });
    },
  ],
  [
    "audit.consistency",
    async (s) => {
      await s.client.execute("pr.open");
      const consistency = await s.client.audit.consistency({ since: s.checkpointNote ?? "" });
      expect(consistency.problem).toBeUndefined();
      expect(consistency.verified).toBe(true);
    },
  ],
  [
    "audit.log",
    async (s) => {
      // The agent's own evidence, before verify and export check the log that holds it (its details sealed, erasable).
      const written = await s.client.audit.log("command.ran", { command: "npm test", exitCode: 0 }, { auditEventId: s.executed?.auditEventId ?? "" });
      expect([written.kind, written.actionAuditEventId]).toEqual(["command.ran", s.executed?.auditEventId]);
    },
  ],
  [
    "audit.verify",
    async (s) => {
      expect((await s.client.audit.verify()).valid).toBe(true);
    },
  ],
  [
    "audit.export",
    async (s) => {
      const bundle = await s.client.audit.export();
      const report = await verifyBundle(bundle);
      expect(report.problem ?? null).toBeNull();
      expect(report.valid).toBe(true);
      expect(report.checkedEntries).toBeGreaterThan(0);
    },
  ],
];

export function sdkState(dev: DevFile): SdkState {
  return { dev, client: new Gatehouse({ apiKey: dev.agentApiKey, baseUrl: dev.apiUrl }), admin: new GatehouseAdmin({ apiKey: dev.adminApiKey, baseUrl: dev.apiUrl }) };
}

// ---------------------------------------------------------------------------------------------
// The CLI

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The command of the root package.json's `gatehouse` script: the CLI from source. */
export const CLI_FROM_SOURCE = ["--conditions=@gatehouse/source", "--import", "tsx", "packages/cli/src/bin.ts"];

/**
 * The CLI from source in the repository, with the credentials file under `configHome`: the command of `npm run
 * gatehouse -- <args>`, started directly; `viaNpm` starts it through npm, as a user types it (one call does, the rest
 * save npm's own start, about 0.4 s a call: issue 63).
 */
export function gatehouse(
  args: string[],
  configHome: string,
  options: { input?: string; untilOutput?: RegExp; timeoutMs?: number; holdStdin?: boolean; apiKey?: string; onOutput?: (stdout: string) => void; viaNpm?: boolean } = {},
): Promise<CliRun> {
  const env = childEnv(
    { XDG_CONFIG_HOME: configHome, GATEHOUSE_API_KEY: options.apiKey, GATEHOUSE_BASE_URL: undefined },
    { drop: (name) => name === "NODE_ENV" || name.startsWith("VITEST") },
  );
  const [command, commandArgs] = options.viaNpm ? ["npm", ["run", "--silent", "gatehouse", "--", ...args]] : [process.execPath, [...CLI_FROM_SOURCE, ...args]];
  const child = spawn(command, commandArgs, { cwd: ROOT, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  // holdStdin: a client that stays connected (an MCP client keeps the pipe open while it waits for answers).
  if (options.holdStdin) child.stdin.write(options.input ?? "");
  else child.stdin.end(options.input ?? "");
  let stdout = "";
  let stderr = "";
  const stop = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGINT");
    } catch {
      // gone already
    }
  };
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onOutput?.(stdout);
    if (options.untilOutput?.test(stdout)) stop();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(stop, options.timeoutMs ?? 60_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** An MCP client's opening on stdio: initialize, initialized, tools/list (one JSON-RPC message per line). */
function mcpHandshake(): string {
  const messages = [
    { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "smoke", version: "1.0.0" } } },
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} },
  ];
  return messages.map((message) => `${JSON.stringify(message)}\n`).join("");
}

/** The CLI's command families, as its own help lists them (the first word of each command line). */
export function cliFamilies(help: string): string[] {
  const commands = help.split(/\nCommands:\n/)[1]?.split(/\n\n/)[0] ?? "";
  return [...new Set([...commands.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1] ?? ""))].sort();
}

export interface CliState {
  dev: DevFile;
  configHome: string;
  /** Where files the commands write go. */
  dir: string;
  /** Makes a decision happen (for `tail` to print). */
  act: () => Promise<void>;
  /** An invitation link sent by `invitations create`, read from the development outbox. */
  inviteToken?: string;
  /** An MCP server on this machine (the official SDK's), registered by `mcp-servers add` for `mcp-gateways`. */
  mcpUpstream?: { url: string; calls: string[]; close: () => Promise<void> };
}

/** An MCP server made with the official SDK (scripts/lib/mcp-upstream.ts), with one tool that records its calls. */
async function startDocsUpstream(): Promise<NonNullable<CliState["mcpUpstream"]>> {
  const calls: string[] = [];
  const upstream = await startMcpUpstream({
    name: "docs",
    register: (mcp) =>
      void mcp.registerTool("search", { description: "Search the handbook.", inputSchema: { query: z.string() } }, async ({ query }) => {
        calls.push(query);
        return { content: [{ type: "text", text: `found: ${query}` }] };
      }),
  });
  return { url: upstream.url, calls, close: upstream.close };
}

function ok(run: CliRun, what: string): void {
  expect(run.code, `${what}\n${run.stdout}\n${run.stderr}`).toBe(0);
}

/** One case per family, in the order they run: login first, logout last. */
export const CLI_CASES: Array<[family: string, run: (state: CliState) => Promise<void>]> = [
  [
    "login",
    async (s) => {
      const run = await gatehouse(["login", "--base-url", s.dev.apiUrl], s.configHome, { input: `${s.dev.adminApiKey}\n` });
      ok(run, "login");
      expect(run.stdout).toContain(`(${s.dev.orgSlug})`);
    },
  ],
  [
    "policies",
    async (s) => {
      const run = await gatehouse(["policies", "export"], s.configHome);
      ok(run, "policies export");
      expect(run.stdout).toContain("merges-need-review");
    },
  ],
  ["approvals", async (s) => ok(await gatehouse(["approvals", "list"], s.configHome), "approvals list")],
  [
    "tail",
    async (s) => {
      const tailing = gatehouse(["tail", "--json"], s.configHome, { untilOutput: /\n/, timeoutMs: 45_000 });
      // The stream may open after the first decision: keep deciding until a line is printed.
      let done = false;
      void tailing.then(() => (done = true));
      const deadline = Date.now() + 40_000;
      while (!done && Date.now() < deadline) {
        await s.act();
        await sleep(1_000);
      }
      const run = await tailing;
      expect(run.stdout.split("\n")[0], `tail printed nothing\n${run.stderr}`).toMatch(/^\{.*"type"/);
    },
  ],
  [
    "audit",
    async (s) => {
      ok(await gatehouse(["audit", "export", "--out", join(s.dir, "bundle.jsonl")], s.configHome), "audit export");
      ok(await gatehouse(["audit", "keys"], s.configHome), "audit keys");
    },
  ],
  [
    "verify",
    async (s) => {
      const run = await gatehouse(["verify", join(s.dir, "bundle.jsonl")], s.configHome);
      ok(run, "verify");
    },
  ],
  [
    "witness",
    async (s) => {
      // A witness as its operator runs one, fed the embedded log's key and a checkpoint of it: it cosigns (docs/audit.md, Witnesses).
      const dir = join(s.dir, "witness");
      const init = await gatehouse(["witness", "init", "--dir", dir, "--name", "witness.test/smoke"], s.configHome);
      ok(init, "witness init");
      expect((await gatehouse(["witness", "key", "--dir", dir], s.configHome)).stdout.trim()).toBe(init.stdout.trim());
      const keys = await gatehouse(["audit", "keys"], s.configHome);
      ok(keys, "audit keys");
      const keysFile = join(s.dir, "witness-keys.txt");
      await writeFile(keysFile, keys.stdout);
      const checkpointFile = join(s.dir, "witness-checkpoint.txt");
      ok(await gatehouse(["audit", "checkpoint", "--out", checkpointFile], s.configHome), "audit checkpoint");
      const port = await freePort();
      const serving = spawn("npm", ["run", "--silent", "gatehouse", "--", "witness", "serve", "--dir", dir, "--log", `@${keysFile}`, "--port", String(port)], {
        cwd: ROOT,
        env: childEnv({}, { drop: (name) => name === "NODE_ENV" || name.startsWith("VITEST") }),
        detached: true,
        stdio: "ignore",
      });
      const exited = new Promise((resolve) => serving.once("exit", resolve));
      try {
        let up = false;
        for (let i = 0; i < 300 && !up; i += 1) {
          up = await fetch(`http://127.0.0.1:${port}/`).then(
            () => true,
            () => false,
          );
          if (!up) await sleep(100);
        }
        expect(up, "gatehouse witness serve listens").toBe(true);
        const answer = await fetch(`http://127.0.0.1:${port}/add-checkpoint`, { method: "POST", body: `old 0\n\n${await readFile(checkpointFile, "utf8")}` });
        const body = await answer.text();
        expect([answer.status, body.startsWith("\u2014 witness.test/smoke ")], body).toEqual([200, true]);
      } finally {
        if (serving.pid !== undefined) process.kill(-serving.pid, "SIGINT");
        await exited;
      }
    },
  ],
  ["members", async (s) => ok(await gatehouse(["members", "list"], s.configHome), "members list")],
  [
    "invitations",
    async (s) => {
      ok(await gatehouse(["invitations", "create", "colleague@example.test", "--role", "viewer"], s.configHome), "invitations create");
      ok(await gatehouse(["invitations", "list"], s.configHome), "invitations list");
      // Started for development, the console's outbox holds the invitation and its link.
      const outbox = await (await fetch(`${s.dev.webUrl}/dev/outbox`)).text();
      s.inviteToken = /\/invite\/(gh_invite_[A-Za-z0-9_-]+)/.exec(outbox)?.[1];
      expect(s.inviteToken, "the invitation's link in the development outbox").toBeTruthy();
    },
  ],
  [
    "webhooks",
    async (s) => {
      // A receiver on this machine (npm start allows loopback endpoints): the worker delivers a decision to it,
      // signed, and the receiver verifies it with the standardwebhooks package, as a user's would.
      const received: Array<{ headers: Record<string, string>; body: string }> = [];
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          received.push({ headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") });
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
        const created = await gatehouse(["webhooks", "create", url, "--events", "action.executed", "--json"], s.configHome);
        ok(created, "webhooks create");
        const { webhook, secret } = JSON.parse(created.stdout) as { webhook: { id: string }; secret: string };
        const deadline = Date.now() + 30_000;
        while (received.length === 0 && Date.now() < deadline) {
          await s.act();
          await sleep(500);
        }
        expect(received.length, "the worker delivered a decision to the endpoint").toBeGreaterThan(0);
        const first = received[0] as { headers: Record<string, string>; body: string };
        expect(new Webhook(secret).verify(first.body, first.headers)).toMatchObject({ type: "action.executed" });
        ok(await gatehouse(["webhooks", "test", webhook.id], s.configHome), "webhooks test");
        const log = await gatehouse(["webhooks", "deliveries", webhook.id], s.configHome);
        ok(log, "webhooks deliveries");
        expect(log.stdout).toContain("delivered");
        ok(await gatehouse(["webhooks", "delete", webhook.id], s.configHome), "webhooks delete");
      } finally {
        server.closeAllConnections();
        server.close();
      }
    },
  ],
  [
    "mcp-servers",
    async (s) => {
      // An MCP server on this machine (npm start allows loopback upstreams), its credential read like a password.
      s.mcpUpstream = await startDocsUpstream();
      ok(await gatehouse(["mcp-servers", "add", "docs", s.mcpUpstream.url, "--credential"], s.configHome, { input: "Bearer embedded-upstream\n" }), "mcp-servers add");
      const listed = await gatehouse(["mcp-servers", "list", "--json"], s.configHome);
      ok(listed, "mcp-servers list");
      expect(JSON.parse(listed.stdout)).toMatchObject({ servers: [{ name: "docs", hasCredential: true }] });
      expect(listed.stdout).not.toContain("embedded-upstream");
      ok(await gatehouse(["mcp-servers", "set", "docs", "--no-credential"], s.configHome), "mcp-servers set");
    },
  ],
  [
    "mcp-gateways",
    async (s) => {
      const upstream = s.mcpUpstream;
      if (!upstream) throw new Error("the mcp-servers case registers the server this case serves");
      try {
        const created = await gatehouse(["mcp-gateways", "create", "team", "--servers", "docs", "--json"], s.configHome);
        ok(created, "mcp-gateways create");
        const { path } = JSON.parse(created.stdout) as { path: string };
        // An MCP client at the gateway, with the demo agent's key: the tools are pinned and every call is decided. The demo
        // org has no policy for mcp.docs.*, so the call is denied (default deny) and never reaches the server.
        const client = new McpClient({ name: "embedded", version: "1.0.0" });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${s.dev.apiUrl}${path}`), { requestInit: { headers: { authorization: `Bearer ${s.dev.agentApiKey}` } } }));
        try {
          expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["docs__search"]);
          const denied = await client.callTool({ name: "docs__search", arguments: { query: "leave" } });
          expect(denied.isError).toBe(true);
          expect(upstream.calls).toEqual([]);
        } finally {
          await client.close();
        }
        const tools = await gatehouse(["mcp-servers", "tools", "docs"], s.configHome);
        ok(tools, "mcp-servers tools");
        expect(tools.stdout).toContain("search  pinned");
        ok(await gatehouse(["mcp-gateways", "list"], s.configHome), "mcp-gateways list");
        ok(await gatehouse(["mcp-gateways", "remove", "team"], s.configHome), "mcp-gateways remove");
        ok(await gatehouse(["mcp-servers", "remove", "docs"], s.configHome), "mcp-servers remove");
      } finally {
        await upstream.close();
      }
    },
  ],
  [
    "grants",
    async (s) => {
      // A merge waits for a person; the admin answers with a standing grant from the CLI, and the agent's
      // next merge of the same repo runs at once, naming the grant, until the grant is revoked.
      const merge = async (repo: string) => {
        const response = await fetch(`${s.dev.apiUrl}/v1/actions`, {
          method: "POST",
          headers: { authorization: `Bearer ${s.dev.agentApiKey}`, "content-type": "application/json" },
          body: JSON.stringify({ actionType: "pr.merge", metadata: { repo, pr: Math.floor(Math.random() * 1e9) } }),
        });
        return (await response.json()) as { status: string; approvalId?: string; grant?: { id: string } };
      };
      const first = await merge("acme/granted");
      expect(first.status).toBe("requested");
      ok(await gatehouse(["approvals", "grant", first.approvalId ?? "", "--minutes", "5", "--uses", "3", "--match", "repo=acme/granted"], s.configHome), "approvals grant");
      const covered = await merge("acme/granted");
      expect(covered.status).toBe("executed");
      const listed = await gatehouse(["grants", "list", "--json"], s.configHome);
      ok(listed, "grants list");
      const [grant] = (JSON.parse(listed.stdout) as { grants: Array<{ id: string; uses: number }> }).grants;
      expect([grant?.id, grant?.uses]).toEqual([covered.grant?.id, 1]);
      ok(await gatehouse(["grants", "revoke", grant?.id ?? ""], s.configHome), "grants revoke");
      expect((await merge("acme/granted")).status).toBe("requested");
    },
  ],
  ["org", async (s) => ok(await gatehouse(["org", "show"], s.configHome), "org show")],
  ["settings", async (s) => ok(await gatehouse(["settings", "get"], s.configHome), "settings get")],
  [
    "agents",
    async (s) => {
      const run = await gatehouse(["agents", "list"], s.configHome);
      ok(run, "agents list");
      expect(run.stdout).toContain("demo-agent");
    },
  ],
  ["keys", async (s) => ok(await gatehouse(["keys", "list"], s.configHome), "keys list")],
  ["delegations", async (s) => ok(await gatehouse(["delegations", "list"], s.configHome), "delegations list")],
  ["posture", async (s) => ok(await gatehouse(["posture"], s.configHome), "posture")],
  [
    "report",
    async (s) => {
      // The Article 12 report over the last hour on PGlite: the smoke test's own decisions counted, the page printable.
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date().toISOString();
      const json = await gatehouse(["report", "article12", "--from", from, "--to", to], s.configHome);
      ok(json, "report article12");
      const report = JSON.parse(json.stdout) as { decisions: { total: number }; integrity: { checkpoint: { treeSize: number } } };
      expect(report.decisions.total).toBeGreaterThan(0);
      expect(report.integrity.checkpoint.treeSize).toBeGreaterThan(0);
      const html = await gatehouse(["report", "article12", "--from", from, "--to", to, "--format", "html"], s.configHome);
      ok(html, "report article12 --format html");
      expect(html.stdout).toContain("Evidence, not a claim of compliance.");
    },
  ],
  [
    "runs",
    async (s) => {
      const listed = await gatehouse(["runs", "list", "--json"], s.configHome);
      ok(listed, "runs list");
      const [run] = (JSON.parse(listed.stdout) as { runs: Array<{ id: string }> }).runs;
      if (run) ok(await gatehouse(["runs", "show", run.id], s.configHome), "runs show");
    },
  ],
  [
    "budgets",
    async (s) => {
      ok(await gatehouse(["budgets", "list"], s.configHome), "budgets list");
      ok(await gatehouse(["budgets", "prices"], s.configHome), "budgets prices");
    },
  ],
  ["integrations", async (s) => ok(await gatehouse(["integrations", "list"], s.configHome), "integrations list")],
  [
    "hook",
    async (s) => {
      // Claude Code's PreToolUse payload on stdin, decided with the demo agent's key (from the environment: never
      // on the hook's command line, where other local users can read it): no policy names tool.bash, so deny.
      const payload = { session_id: "smoke", hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command: "ls" }, tool_use_id: "toolu_smoke" };
      const run = await gatehouse(["hook", "claude-code", "--base-url", s.dev.apiUrl, "--wait", "0"], s.configHome, {
        input: JSON.stringify(payload),
        apiKey: s.dev.agentApiKey,
      });
      ok(run, "hook claude-code");
      expect(JSON.parse(run.stdout)).toMatchObject({
        hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(/^Gatehouse: Denied/) },
      });
    },
  ],
  [
    "mcp-server",
    async (s) => {
      // An MCP client's first three lines on stdin: the server answers with its Gatehouse tools.
      const run = await gatehouse(["mcp-server", "--api-key", s.dev.agentApiKey], s.configHome, { input: mcpHandshake(), untilOutput: /"id":2\}/, timeoutMs: 30_000 });
      expect(run.stdout, run.stderr).toMatch(/"name":"can_i"/);
    },
  ],
  [
    "mcp-proxy",
    async (s) => {
      // Through the proxy to a real MCP server (the MCP suite's fixture): its tools, listed as they are.
      const server = join(ROOT, "packages/integrations/mcp/test/fixtures/server.mjs");
      const run = await gatehouse(
        ["mcp-proxy", "--api-key", s.dev.agentApiKey, "--server-name", "fixture", "--", process.execPath, server, join(s.dir, "mcp-ran.log")],
        s.configHome,
        {
          input: mcpHandshake(),
          holdStdin: true,
          untilOutput: /"id":2\}/,
          timeoutMs: 30_000,
        },
      );
      expect(run.stdout, run.stderr).toMatch(/"name":"read_file"/);
    },
  ],
  [
    "logout",
    async (s) => {
      ok(await gatehouse(["logout"], s.configHome), "logout");
      const after = await gatehouse(["org", "show"], s.configHome);
      expect(after.code).not.toBe(0);
    },
  ],
];

// ---------------------------------------------------------------------------------------------
// The console

/** What a page must not say when nothing went wrong (an error boundary, a load or refresh error banner, Next's not-found page). */
export const ERROR_MARKERS = [/role="alert"/, /Something went wrong/i, /could not load/i, /unknown error/i, /This page could not be found/i];

export interface PageSubjects {
  orgSlug: string;
  agentId: string;
  /** A run of the org (run_…), made by the SDK's cases. */
  runId: string;
  policyName: string;
  inviteToken: string;
}

/** How the smoke test opens each page of the app directory: as the demo admin, as a visitor, or not (with the reason). */
export const CONSOLE_PAGES: Record<string, { as: "member" | "visitor"; path: (s: PageSubjects) => string } | { skip: string }> = {
  "/": { as: "member", path: () => "/" },
  "/account": { as: "member", path: () => "/account" },
  "/cli-login": { as: "member", path: () => "/cli-login" },
  "/dev/outbox": { as: "visitor", path: () => "/dev/outbox" },
  "/forgot-password": { as: "visitor", path: () => "/forgot-password" },
  "/invite/[token]": { as: "visitor", path: (s) => `/invite/${s.inviteToken}` },
  "/o/[orgSlug]": { as: "member", path: (s) => `/o/${s.orgSlug}` },
  "/o/[orgSlug]/agents": { as: "member", path: (s) => `/o/${s.orgSlug}/agents` },
  "/o/[orgSlug]/agents/[agentId]": { as: "member", path: (s) => `/o/${s.orgSlug}/agents/${s.agentId}` },
  "/o/[orgSlug]/approvals": { as: "member", path: (s) => `/o/${s.orgSlug}/approvals` },
  "/o/[orgSlug]/audit": { as: "member", path: (s) => `/o/${s.orgSlug}/audit` },
  "/o/[orgSlug]/closed": { skip: "only a closed org has it, and closing the demo org would end this run's keys; playwright/no-false-alarms.spec.ts opens it" },
  "/o/[orgSlug]/keys": { as: "member", path: (s) => `/o/${s.orgSlug}/keys` },
  "/o/[orgSlug]/members": { as: "member", path: (s) => `/o/${s.orgSlug}/members` },
  "/o/[orgSlug]/policies": { as: "member", path: (s) => `/o/${s.orgSlug}/policies` },
  "/o/[orgSlug]/policies/[name]": { as: "member", path: (s) => `/o/${s.orgSlug}/policies/${encodeURIComponent(s.policyName)}` },
  "/o/[orgSlug]/policies/draft": { as: "member", path: (s) => `/o/${s.orgSlug}/policies/draft` },
  "/o/[orgSlug]/runs": { as: "member", path: (s) => `/o/${s.orgSlug}/runs` },
  "/o/[orgSlug]/spend": { as: "member", path: (s) => `/o/${s.orgSlug}/spend` },
  "/o/[orgSlug]/integrations": { as: "member", path: (s) => `/o/${s.orgSlug}/integrations` },
  "/o/[orgSlug]/mcp": { as: "member", path: (s) => `/o/${s.orgSlug}/mcp` },
  "/approve/[token]": { skip: "needs a link mailed for a pending approval (the demo org routes none by email); playwright/approval-links.spec.ts opens it" },
  "/o/[orgSlug]/runs/[runId]": { as: "member", path: (s) => `/o/${s.orgSlug}/runs/${s.runId}` },
  "/o/[orgSlug]/settings": { as: "member", path: (s) => `/o/${s.orgSlug}/settings` },
  "/orgs/new": { as: "member", path: () => "/orgs/new" },
  "/reset-password": { as: "visitor", path: () => "/reset-password" },
  "/signin": { as: "visitor", path: () => "/signin" },
  "/signin/email": { as: "visitor", path: () => "/signin/email" },
  "/signin/link": { as: "visitor", path: () => "/signin/link" },
  "/signup": { as: "visitor", path: () => "/signup" },
  "/signup/check-email": { as: "visitor", path: () => "/signup/check-email?email=someone%40example.test" },
  "/signup/org": { as: "member", path: () => "/signup/org" },
  "/sso-required": { as: "visitor", path: () => "/sso-required" },
  "/verify-email": { as: "visitor", path: () => "/verify-email" },
  "/verify-email/resend": { as: "visitor", path: () => "/verify-email/resend" },
};

/** Opens `path` (following redirects within the console) and answers the final status and the page's HTML. */
export async function openPage(webUrl: string, path: string, cookie: string | undefined): Promise<{ status: number; url: string; html: string }> {
  const response = await fetch(`${webUrl}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: response.status, url: response.url, html: await response.text() };
}
