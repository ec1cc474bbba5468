import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { db, RETENTION_ACTOR, sweepRetention } from "@gatehouse/db";
import { backgroundJobs } from "@gatehouse/db/jobs";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestError, Gatehouse, GatehouseAdmin } from "../../../packages/sdk/src/index.ts";
import { listeningApp } from "./helpers";
import { independentlyVerify } from "./independent-verifier";

// Retention (docs/audit.md, Retention), run as users run it: an admin sets it with the SDK, an agent decides and reports
// on the SDK against a listening API, and the worker's sweep runs at a later `now`. What is past a rule loses its values
// the way an owner's erasure takes them; everything else keeps them; the sweep is an entry of its own; the exported log
// still verifies offline, with the CLI and with the independent verifier; the posture and the Article 12 report show it.
const server = listeningApp();

/** The temporary folders the CLI wrote to, removed after the file. */
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const POLICIES = [{ name: "tickets", actions: ["ticket.*"], effect: "allow" }];
const DAY = 86_400_000;
const EMAIL = "grace.hopper@example.com";

interface Stored {
  seq: string;
  type: string;
  fields: Record<string, { canonical?: string; erased?: { seq: number } }> | null;
}

async function storedEntry(orgId: string, id: string): Promise<Stored> {
  const [row] = await db().$queryRaw<Stored[]>`SELECT seq::text AS seq, type, fields FROM audit_entries WHERE org_id = ${orgId} AND id = ${id}`;
  return row!;
}
const held = (entry: Stored) =>
  Object.entries(entry.fields ?? {})
    .filter(([, f]) => f.canonical !== undefined)
    .map(([name]) => name);
const erased = (entry: Stored) =>
  Object.entries(entry.fields ?? {})
    .filter(([, f]) => f.erased !== undefined)
    .map(([name]) => name);

describe("retention by entry type and by finding class", () => {
  let org: TestOrg;
  let admin: GatehouseAdmin;
  let plain: string;
  let personal: string;
  let outcome: string;

  beforeAll(async () => {
    org = await createTestOrg({ label: "retention", policies: POLICIES as never });
    admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: server.url, maxRetries: 0 });
    // Decisions' values for 30 days; anything with personal data for 2; outcomes kept.
    const saved = await admin.settings.update({ retention: { decisions: 30, personalData: 2 } });
    expect(saved).toMatchObject({ retention: { decisions: 30, outcomes: 0, postconditions: 0, evidence: 0, personalData: 2, secrets: 0 } });
    const a = await agent.execute("ticket.update", { metadata: { ticket: "T-1", summary: "rotate the staging certificate" } });
    const b = await agent.execute("ticket.update", { metadata: { ticket: "T-2", requester: EMAIL } });
    const reported = await agent.report(a.auditEventId, { status: "success", message: "done" });
    plain = a.auditEventId;
    personal = b.auditEventId;
    outcome = reported.outcomeAuditEventId!;
  });

  it("a value past no rule is kept; the sweep before any is due writes nothing", async () => {
    const size = Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size);
    expect(await sweepRetention({ onlyOrgs: [org.org.id] })).toEqual({ orgs: 1, sweeps: 0, entries: 0, fields: 0 });
    expect(Number((await db().auditLogHead.findUniqueOrThrow({ where: { orgId: org.org.id } })).size)).toBe(size);
    expect(held(await storedEntry(org.org.id, personal))).toContain("metadata");
  });

  it("past the finding class's days, only the entry with personal data loses its values, recorded as the sweep's own entry", async () => {
    const swept = await sweepRetention({ now: new Date(Date.now() + 3 * DAY), onlyOrgs: [org.org.id] });
    expect(swept).toMatchObject({ orgs: 1, sweeps: 1, entries: 1 });
    expect(held(await storedEntry(org.org.id, personal))).toEqual([]);
    expect(erased(await storedEntry(org.org.id, personal))).toContain("metadata");
    expect(held(await storedEntry(org.org.id, plain))).toContain("metadata");
    // The console's copy goes too: the action row holds no metadata any more.
    const action = await db().action.findFirstOrThrow({ where: { orgId: org.org.id, auditEntryId: personal } });
    expect(action.metadata).toEqual({});
    const [entry] = await db().auditEntry.findMany({ where: { orgId: org.org.id, type: "audit.erased" } });
    const canonical = JSON.parse(entry!.canonical) as { actor: unknown; data: { entries: Array<{ seq: number }>; reason: string } };
    expect(canonical.actor).toEqual(RETENTION_ACTOR);
    expect(canonical.data.entries.map((e) => e.seq)).toEqual([Number((await storedEntry(org.org.id, personal)).seq)]);
    expect(canonical.data.reason).toMatch(/^Retention \(settings\.retention\): .*decisions 30 days; any entry with a personal-data finding 2 days/);
    // Again at the same time: nothing left to erase, nothing written.
    expect(await sweepRetention({ now: new Date(Date.now() + 3 * DAY), onlyOrgs: [org.org.id] })).toMatchObject({ sweeps: 0 });
  });

  it("past the type's days, every decision loses its values and the outcome (no rule) keeps its message", async () => {
    expect(await sweepRetention({ now: new Date(Date.now() + 31 * DAY), onlyOrgs: [org.org.id] })).toMatchObject({ sweeps: 1, entries: 1 });
    expect(held(await storedEntry(org.org.id, plain))).toEqual([]);
    expect(held(await storedEntry(org.org.id, outcome))).toContain("message");
  });

  it("the log still verifies: on the server, offline with the CLI, and with the independent verifier", async () => {
    expect((await admin.audit.verify()).valid).toBe(true);
    let bundle = "";
    const decoder = new TextDecoder();
    for await (const chunk of await admin.audit.export()) bundle += decoder.decode(chunk, { stream: true });
    const keys = (await admin.audit.keys()).keys.map((k) => k.vkey);
    expect(independentlyVerify(bundle, keys)).toBeNull();
    const dir = await mkdtemp(join(tmpdir(), "gatehouse-retention-"));
    dirs.push(dir);
    await writeFile(join(dir, "log.jsonl"), bundle);
    const cli = await promisify(execFile)(
      process.execPath,
      ["--conditions=@gatehouse/source", "--import", "tsx", "packages/cli/src/bin.ts", "verify", join(dir, "log.jsonl"), ...keys.flatMap((k) => ["--key", k])],
      { env: { PATH: process.env.PATH ?? "" } },
    );
    expect(cli.stdout).toMatch(/valid/);
  });

  it("posture and the Article 12 report show the retention and its sweeps", async () => {
    const posture = await admin.posture();
    expect(posture.retention).toMatchObject({ settings: { decisions: 30, personalData: 2 }, sweeps: 2, entriesSwept: 2 });
    expect(posture.retention.rule).toContain("decisions 30 days");
    expect(posture.retention.lastSweepAt).not.toBeNull();
    const report = await admin.reports.article12({ from: new Date(Date.now() - DAY).toISOString(), to: new Date().toISOString() });
    expect(report.retention).toMatchObject({ settings: { decisions: 30, personalData: 2 }, sweeps: 2, entriesSwept: 2, erasures: 0 });
    expect(report.retention.rule).toBe(posture.retention.rule);
  });
});

describe("the retention setting", () => {
  it("bad days are a 400 naming the field, and nothing changes", async () => {
    const org = await createTestOrg({ label: "retention-input", policies: POLICIES as never });
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    for (const [patch, field] of [
      [{ decisions: -1 }, "retention.decisions"],
      [{ outcomes: 36_501 }, "retention.outcomes"],
      [{ secrets: 1.5 }, "retention.secrets"],
      [{ forever: 1 }, "retention"],
    ] as const) {
      const error = await admin.settings.update({ retention: patch } as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(patch)).toBeInstanceOf(BadRequestError);
      expect(JSON.stringify((error as BadRequestError).details ?? (error as Error).message)).toContain(field);
    }
    expect((await admin.settings.get()).retention).toEqual({ decisions: 0, outcomes: 0, postconditions: 0, evidence: 0, personalData: 0, secrets: 0, entries: 0 });
  });

  it("under the two-admin rule, setting or shortening a retention waits for a second admin; lengthening it does not", async () => {
    const org = await createTestOrg({ label: "retention-2p", policies: POLICIES as never });
    const admin = new GatehouseAdmin({ apiKey: org.adminKey.apiKey, baseUrl: server.url, maxRetries: 0 });
    await admin.settings.update({ retention: { decisions: 90 } });
    await admin.settings.update({ policies: { requireSecondApproval: true } });
    expect(await admin.settings.update({ retention: { decisions: 7 } })).toMatchObject({ status: "pending_approval" });
    expect(await admin.settings.update({ retention: { decisions: 365 } })).toMatchObject({ retention: { decisions: 365 } });
  });

  it("the worker runs the sweep every hour", () => {
    expect(backgroundJobs().find((job) => job.name === "audit-retention")).toMatchObject({ everyMs: 3_600_000 });
  });
});
