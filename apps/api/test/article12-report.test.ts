import { execFile } from "node:child_process";
import { mkdtemp, rm, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { appendAuditEntries, applyPolicies, closeOrg, createAgent, createArticle12Report, db, issueAdminKey } from "@gatehouse/db";
import { addTestMember, createTestOrg, noteEntry, type TestOrg } from "@gatehouse/db/testing";
import { canonicalize } from "@gatehouse/tlog/portable";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestError, Gatehouse, GatehouseAdmin, PermissionDeniedError, type Article12Report } from "../../../packages/sdk/src/index.ts";
import { figuresOf, recount, type Entry } from "../../../packages/core/test/article12-recount.ts";
import { listeningApp } from "./helpers";

// The Article 12 evidence report (docs/reports.md), run as users run it: a scripted agent on the SDK and members' admin
// keys against a listening API, over a period with work before it, in it and after it. The acceptance: every figure of
// the report equals a count made here, independently, over the org's exported bundle — nothing below reuses the
// report's own fold.
const server = listeningApp();

/** The temporary folders the CLI wrote to, removed after the file. */
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
  { name: "no-deletes", actions: ["*.delete"], effect: "deny" },
  { name: "models", actions: ["llm.*"], effect: "allow", budget: { limit: { tokens: 1_000 }, per: "agent-day", atLimit: "deny" } },
  { name: "mail", actions: ["mail.*"], effect: "allow" },
];
const spend = (inputTokens: number) => ({ spend: { model: "gpt-4o-mini", inputTokens, maxOutputTokens: 0 } });
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** The org's whole bundle, read as an auditor reads it: every entry's canonical text, and the checkpoints' notes by size. */
async function exportBundle(admin: GatehouseAdmin): Promise<{ entries: Entry[]; checkpoints: Map<number, string> }> {
  const bundle = await admin.audit.export();
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of bundle) text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
  const entries: Entry[] = [];
  const checkpoints = new Map<number, string>();
  for (const line of text.split("\n").filter(Boolean)) {
    const parsed = JSON.parse(line) as { type: string; canonical?: string; size?: number; note?: string };
    if (parsed.type === "entry") entries.push(JSON.parse(parsed.canonical!) as Entry);
    if (parsed.type === "checkpoint") checkpoints.set(parsed.size!, parsed.note!);
  }
  return { entries, checkpoints };
}

describe("the Article 12 report over a period with work before, in and after it", () => {
  let org: TestOrg;
  let owner: GatehouseAdmin;
  let agent: Gatehouse;
  let from: string;
  let to: string;
  let report: Article12Report;
  let reviewerMembership: string;

  beforeAll(async () => {
    org = await createTestOrg({ label: "art12", policies: POLICIES as never });
    owner = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });

    // Before the period: a reviewer whose role the log records (a role change), a decision and a request.
    const reviewer = await addTestMember(org, "admin", "reviewer");
    reviewerMembership = reviewer.membershipId;
    await owner.members.update(reviewer.membershipId, { role: "approver" });
    const reviewerKey = await issueAdminKey({ ctx: org.ctx, input: { membershipId: reviewer.membershipId } });
    const reviewerAdmin = new GatehouseAdmin({ apiKey: reviewerKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    await agent.execute("pr.open");
    const early = await agent.execute("pr.merge");
    expect(early.status).toBe("requested");
    await tick();
    from = new Date().toISOString();
    await tick();

    // In the period.
    const opened = [await agent.execute("pr.open"), await agent.execute("pr.comment"), await agent.execute("pr.label")];
    await agent.report(opened[0]!.auditEventId, { status: "success" });
    await agent.report(opened[1]!.auditEventId, { status: "failure", message: "flaky" });
    expect((await agent.execute("repo.delete")).denialReason).toBe("CONDITIONS_DENIED");
    expect((await agent.execute("db.migrate")).denialReason).toBe("NO_POLICY");
    const merges = [await agent.execute("pr.merge"), await agent.execute("pr.merge")];
    await owner.approvals.approve(early.approvalId!);
    await reviewerAdmin.approvals.approve(merges[0]!.approvalId!);
    await reviewerAdmin.approvals.deny(merges[1]!.approvalId!, { reason: "not today" });
    const model = await agent.execute("llm.openai.gpt-4o-mini", spend(600));
    await agent.report(model.auditEventId, { status: "success", usage: { model: "gpt-4o-mini", inputTokens: 600, outputTokens: 0 } });
    expect((await agent.execute("llm.openai.gpt-4o-mini", spend(600))).denialReason).toBe("BUDGET_EXCEEDED");
    await agent.execute("mail.send", { metadata: { to: "alice.liddell@example.com" } });
    await owner.agents.halt(org.agent.id, { reason: "drill" });
    await owner.agents.resume(org.agent.id, { reason: "drill over" });
    await applyPolicies({ ctx: org.ctx, input: { policies: POLICIES.filter((p) => p.name !== "mail") } });
    await createAgent({ ctx: org.ctx, input: { name: "second-agent", labels: {} } });
    await tick();
    to = new Date().toISOString();
    await tick();
    // After the period: not counted.
    await agent.execute("pr.open");

    report = await owner.reports.article12({ from, to });
  });

  it("states what it is and what it covers", () => {
    expect(report.statement).toMatch(/not a claim, certification or assessment of compliance/);
    expect(report.period).toEqual({ from, to });
    expect(report.org).toEqual({ id: org.org.id, slug: org.org.slug, name: org.org.name });
    expect(report.generatedBy).toEqual({ type: "adminKey", id: org.adminKey.id, role: "owner" });
    for (const section of [
      report.entries,
      report.agents,
      report.decisions,
      report.oversight,
      report.policies,
      report.incidents,
      report.integrity,
      report.retention,
      report.coverage,
    ]) {
      expect(section.about.shows.length).toBeGreaterThan(20);
      expect(section.about.cannotShow.length).toBeGreaterThan(20);
    }
  });

  it("every figure equals an independent count over the export", async () => {
    const { entries, checkpoints } = await exportBundle(owner);
    const expected = recount(entries, report.integrity.checkpoint.treeSize, from, to);
    expect(figuresOf(report)).toEqual(expected);
    // What the period held, so the equality above is not two zeros.
    expect(expected.decisions).toMatchObject({ total: 10, executed: 5, denied: 3, requested: 2, byDenialReason: { BUDGET_EXCEEDED: 1, CONDITIONS_DENIED: 1, NO_POLICY: 1 } });
    expect(expected.oversight).toMatchObject({ approved: 2, denied: 1, votes: { total: 3, byRole: { approver: 2, owner: 1 }, byChannel: { api: 3 } } });
    expect(expected.oversight.decisionSeconds.count).toBe(3);
    expect(expected.incidents).toMatchObject({ halts: 1, resumes: 1, budgetRefusals: 1, budgetsExceeded: 1, contentFindings: { byClass: { personalData: 1 } } });
    expect(expected.coverage).toMatchObject({ outcomesReported: 3, modelCalls: { decided: 2, throughWrapper: 2, withUsageReported: 1 } });
    expect(expected.agents).toEqual({ registered: 2, acted: 1 });
    expect(expected.policies.inForceAtStart).toBe(5);
    expect(expected.policies.inForceAtEnd.map((p) => p.name)).not.toContain("mail");
    // The checkpoint it covers is one of the log's signed checkpoints, as exported.
    expect(checkpoints.get(report.integrity.checkpoint.treeSize)).toBe(report.integrity.checkpoint.note);
    expect(report.integrity.checkpoint.note).toContain(Buffer.from(report.integrity.checkpoint.rootHash, "hex").toString("base64"));
    // The agent list names each agent's own counts.
    expect(report.agents.list).toEqual([{ agentId: org.agent.id, name: org.agent.name, decisions: 10, executed: 5, denied: 3, requested: 2 }]);
    expect(report.oversight.votes.byRole).not.toHaveProperty(reviewerMembership);
  });

  it("is recorded: who asked, for which period and checkpoint", async () => {
    const { entries } = await exportBundle(owner);
    const recorded = entries.filter((e) => e.type === "audit.report_generated");
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      actor: { type: "adminKey", id: org.adminKey.id },
      data: { report: "article12", from, to, format: "json", treeSize: report.integrity.checkpoint.treeSize, rootHash: report.integrity.checkpoint.rootHash },
    });
    // The entry commits to the report as it was answered: a kept copy can be tied to it.
    expect(recorded[0]!.data.reportSha256).toBe(createHash("sha256").update(canonicalize(report), "utf8").digest("hex"));
    expect(recorded[0]!.seq).toBeGreaterThanOrEqual(report.integrity.checkpoint.treeSize);
  });

  it("prints as a self-contained page, every value from the log escaped", async () => {
    // An org's name is free text its owner types: the page shows it as text.
    await owner.org.update({ name: "Acme <img src=x onerror=alert(1)> & Co" });
    const response = await fetch(`${server.url}/v1/audit/reports/article12`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ from, to: new Date().toISOString(), format: "html" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain("Evidence, not a claim of compliance.");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).not.toMatch(/<img|<script|<link|https?:\/\//i);
    // The SDK's printable form is the same page.
    const viaSdk = await owner.reports.article12Html({ from, to });
    expect(viaSdk).toMatch(/^<!doctype html>/);
    expect(viaSdk).toContain("Acme &lt;img src=x onerror=alert(1)&gt; &amp; Co");
  });

  it("the CLI writes both forms, as a user runs it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gatehouse-article12-"));
    dirs.push(dir);
    const env = { ...process.env, GATEHOUSE_API_KEY: org.adminKey.apiKey, GATEHOUSE_BASE_URL: server.url };
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ["--conditions=@gatehouse/source", "--import", "tsx", "packages/cli/src/bin.ts", "report", "article12", ...args], {
        env,
        cwd: process.cwd(),
      });
    const json = await cli("--from", from, "--to", to, "--out", join(dir, "report.json"));
    expect(json.stderr).toContain(`${report.decisions.total} decisions (${report.decisions.executed} executed`);
    const written = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as Article12Report;
    expect(written.decisions).toEqual(report.decisions);
    expect(written.integrity.checkpoint.treeSize).toBeGreaterThan(report.integrity.checkpoint.treeSize);
    await cli("--from", from, "--to", to, "--format", "html", "--out", join(dir, "report.html"));
    expect(await readFile(join(dir, "report.html"), "utf8")).toMatch(/^<!doctype html>[\s\S]*Human oversight/);
    await expect(cli("--from", from, "--to", to, "--format", "pdf")).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("--format must be json or html") });
    await expect(cli("--from", to, "--to", from)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("to") });
  });
});

describe("who may ask, and what is refused", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg({ label: "art12-auth", policies: POLICIES as never });
  });
  const period = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() });
  const sizeOf = async () => Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);

  it("a bad period is a 400 naming the field, and nothing is written", async () => {
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    const size = await sizeOf();
    const now = Date.now();
    const cases: Array<[unknown, string]> = [
      [{ from: new Date(now).toISOString(), to: new Date(now - 1000).toISOString() }, "to"],
      [{ from: new Date(now - 400 * 86_400_000).toISOString(), to: new Date(now).toISOString() }, "to"],
      [{ from: new Date(now).toISOString(), to: new Date(now + 86_400_000).toISOString() }, "to"],
      [{ from: "yesterday", to: new Date(now).toISOString() }, "from"],
      [{ from: new Date(now - 1000).toISOString(), to: new Date(now).toISOString(), format: "pdf" }, "format"],
      [{ from: new Date(now - 1000).toISOString(), to: new Date(now).toISOString(), orgId: "org_other" }, "orgId"],
    ];
    for (const [body, field] of cases) {
      const response = await fetch(`${server.url}/v1/audit/reports/article12`, {
        method: "POST",
        headers: { authorization: `Bearer ${org.adminKey.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(field);
    }
    await expect(admin.reports.article12({ from: new Date(now).toISOString(), to: new Date(now - 1).toISOString() })).rejects.toBeInstanceOf(BadRequestError);
    expect(await sizeOf()).toBe(size);
  });

  it("members without audit.export and agents' keys are refused; another org's report counts only its own log", async () => {
    const approver = await addTestMember(org, "approver");
    await expect(new GatehouseAdmin({ apiKey: approver.apiKey, baseUrl: server.url, maxRetries: 0 }).reports.article12(period())).rejects.toBeInstanceOf(PermissionDeniedError);
    const asAgent = await fetch(`${server.url}/v1/audit/reports/article12`, {
      method: "POST",
      headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(period()),
    });
    expect([401, 403]).toContain(asAgent.status);

    const auditor = await addTestMember(org, "auditor");
    const other = await createTestOrg({ label: "art12-other", policies: POLICIES as never });
    const otherAgent = new Gatehouse({ apiKey: other.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    for (let i = 0; i < 3; i++) await otherAgent.execute("pr.open");
    const mine = await new GatehouseAdmin({ apiKey: auditor.apiKey, baseUrl: server.url, maxRetries: 0 }).reports.article12(period());
    expect(mine.org.id).toBe(org.org.id);
    expect(mine.generatedBy.role).toBe("auditor");
    expect(mine.decisions.total).toBe(0);
    expect(mine.agents.list).toEqual([]);
  });
});

describe("a period longer than a page, and a closed org", () => {
  it("counts every entry across pages, and the margins around the period do not leak in", async () => {
    const org = await createTestOrg({ label: "art12-pages", policies: POLICIES as never });
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    await db().$transaction((tx) =>
      appendAuditEntries(
        tx,
        org.org.id,
        Array.from({ length: 300 }, (_, i) => noteEntry(i, "before")),
      ),
    );
    await tick();
    const from = new Date().toISOString();
    await tick();
    // 4,500 entries in the period: three pages of the scan.
    for (let batch = 0; batch < 3; batch++)
      await db().$transaction((tx) =>
        appendAuditEntries(
          tx,
          org.org.id,
          Array.from({ length: 1_500 }, (_, i) => noteEntry(i, "in")),
        ),
      );
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    await agent.execute("pr.open");
    await tick();
    const to = new Date().toISOString();
    await tick();
    await db().$transaction((tx) =>
      appendAuditEntries(
        tx,
        org.org.id,
        Array.from({ length: 300 }, (_, i) => noteEntry(i, "after")),
      ),
    );
    const report = await admin.reports.article12({ from, to });
    const { entries } = await exportBundle(admin);
    expect(figuresOf(report)).toEqual(recount(entries, report.integrity.checkpoint.treeSize, from, to));
    expect(report.entries.inPeriod).toBe(4_501);
    expect(report.decisions.total).toBe(1);
  });

  it("a closed org's report is refused before any work: its log takes no entry to record it", async () => {
    const org = await createTestOrg({ label: "art12-closed", policies: POLICIES as never });
    const ownerCtx = { org: org.org, actor: { type: "user" as const, userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" as const }, requestId: "test" };
    await closeOrg({ ctx: ownerCtx, input: { confirm: org.org.slug } });
    const size = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    await expect(createArticle12Report({ ctx: ownerCtx, input: { from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size)).toBe(size);
  });
});
