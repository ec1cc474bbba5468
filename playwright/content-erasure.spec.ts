import { randomBytes } from "node:crypto";
import { db, disconnectDb, getOrgSettings, updateOrgSettings } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { MemberRole } from "@gatehouse/core";
import { request as apiRequest, type APIRequestContext, type Page } from "@playwright/test";
import { expect, openSignedIn, test } from "./fixtures";
import { addMember } from "./people";
import type { E2EStack } from "./stack";

// Issue 27 in the console (docs/content.md, docs/adr/0023-erasure.md): the org's content rules in
// Settings, the findings a decision carries on every page that shows one, a CONTENT_DENIED denial
// explained, and an owner's erasure of personal data from the audit log — confirmed, recorded, shown
// on the entry as erased, the entry's proof still verifying — which no other role is offered or allowed.
// Each test has an org of its own: the content rules it changes are the org's.

const POLICIES = [
  { name: "tickets-read", actions: ["ticket.read"], effect: "allow" },
  { name: "tickets-escalate", actions: ["ticket.escalate"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
];

/** A GitHub classic token as the detector knows it (ghp_ + 36 alphanumerics): never a real one. */
const githubToken = () => `ghp_${randomBytes(18).toString("hex")}`;

interface Decision {
  status: string;
  auditEventId: string;
  approvalId?: string;
  denialReason?: string;
  findings?: Array<{ detector: string; class: string; path: string; action: string }>;
}

/** An agent's call to the API, as the SDK sends it. */
async function execute(stack: E2EStack, org: TestOrg, actionType: string, metadata: Record<string, unknown>): Promise<Decision> {
  const response = await fetch(`${stack.apiUrl}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType, metadata }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as Decision;
}

async function signedInAt(page: Page, path: string, credentials: { email: string; password: string }): Promise<void> {
  await openSignedIn(page, path, credentials);
  await expect(page).toHaveURL(path);
}

/** An entry's row on the Audit page, opened: its detail. */
async function openEntry(page: Page, entryId: string) {
  const row = page.getByRole("main").locator(`[data-testid="audit-row"][data-entry-id="${entryId}"]`);
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: /^Details/ }).click();
  const detail = page.getByRole("main").locator(`[data-testid="entry-detail"][data-entry-id="${entryId}"]`);
  await expect(detail).toBeVisible();
  return { row, detail };
}

/** The committed fields the log keeps beside the entry (docs/adr/0023-erasure.md). */
async function storedFields(entryId: string): Promise<Record<string, { canonical?: string; erased?: { seq: number } }>> {
  const rows = await db().$queryRaw<
    Array<{ fields: Record<string, { canonical?: string; erased?: { seq: number } }> | null }>
  >`SELECT fields FROM audit_entries WHERE id = ${entryId}`;
  return rows[0]?.fields ?? {};
}

const contexts: APIRequestContext[] = [];

/** A member's session as the console's pages hold it (signed in from the console's own origin), for requests without a page. */
async function sessionOf(stack: E2EStack, credentials: { email: string; password: string }): Promise<APIRequestContext> {
  const context = await apiRequest.newContext({ baseURL: stack.webUrl });
  contexts.push(context);
  const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await context.post("/api/auth/callback/credentials", { headers: { origin: stack.webUrl }, form: { csrfToken, ...credentials, callbackUrl: stack.webUrl } });
  const session = (await (await context.get("/api/auth/session")).json()) as { user?: { email?: string } } | null;
  expect(session?.user?.email).toBe(credentials.email);
  return context;
}

test.afterAll(async () => {
  await Promise.all(contexts.map((context) => context.dispose()));
  await disconnectDb();
});

test("an owner sets secrets to deny in Settings and it is saved; a call carrying a token is then refused, and the audit log says why", async ({ page, stack }) => {
  const org = await createTestOrg({ label: "content-rules", policies: POLICIES });
  await signedInAt(page, `/o/${org.org.slug}/settings`, org.owner);

  const section = page.getByRole("region", { name: "Secrets and personal data" });
  await expect(section).toContainText("Out of the box, secrets are redacted and personal data is flagged.");
  const secrets = section.getByLabel("Secrets", { exact: true });
  const personal = section.getByLabel("Personal data", { exact: true });
  await expect(secrets).toHaveValue("redact");
  await expect(personal).toHaveValue("flag");
  // Each choice in one line.
  for (const choice of ["Deny", "Redact", "Flag", "Off"]) await expect(section.getByRole("term").filter({ hasText: new RegExp(`^${choice}$`) })).toHaveCount(1);

  // The prompt rules (what the model-client wrappers send a provider, docs/guardrails.md) have their own row.
  const promptSecrets = section.getByLabel("Secrets in prompts", { exact: true });
  await expect(promptSecrets).toHaveValue("redact");
  await expect(section.getByLabel("Personal data in prompts", { exact: true })).toHaveValue("redact");

  // Which findings Redact and Deny act on: every one, unless the minimum confidence is raised.
  const minConfidence = section.getByLabel("Minimum confidence", { exact: true });
  await expect(minConfidence).toHaveValue("low");

  await secrets.selectOption("deny");
  await promptSecrets.selectOption("deny");
  await minConfidence.selectOption("medium");
  await section.getByRole("button", { name: "Save" }).click();
  await expect(section.getByRole("status")).toHaveText("Saved. From the next call, secrets are denied (the call is refused) and personal data is flagged.");
  expect((await getOrgSettings({ ctx: org.ctx })).content).toEqual({
    secrets: "deny",
    personalData: "flag",
    promptSecrets: "deny",
    promptPersonalData: "redact",
    minConfidence: "medium",
  });
  await page.reload();
  await expect(page.getByRole("region", { name: "Secrets and personal data" }).getByLabel("Secrets", { exact: true })).toHaveValue("deny");
  await expect(page.getByRole("region", { name: "Secrets and personal data" }).getByLabel("Secrets in prompts", { exact: true })).toHaveValue("deny");
  await expect(page.getByRole("region", { name: "Secrets and personal data" }).getByLabel("Minimum confidence", { exact: true })).toHaveValue("medium");

  // The rule holds: a token in a call is refused, and the log's entry names the finding, never the token.
  const token = githubToken();
  const denied = await execute(stack, org, "ticket.read", { headers: { authorization: token } });
  expect(denied).toMatchObject({
    status: "denied",
    denialReason: "CONTENT_DENIED",
    findings: [{ detector: "github_token", class: "secrets", path: "metadata.headers.authorization", action: "denied" }],
  });
  await page.goto(`/o/${org.org.slug}/audit`);
  const { row, detail } = await openEntry(page, denied.auditEventId);
  const reason = row.getByTestId("denial-reason");
  await expect(reason).toHaveText("CONTENT_DENIED");
  await expect(reason).toHaveAttribute("title", /^it carries a secret or personal data that the org's content rules refuse/);
  await expect(detail).toContainText("CONTENT_DENIED: it carries a secret or personal data that the org's content rules refuse");
  await expect(detail.getByTestId("content-finding")).toHaveText(["secret · github_token · metadata.headers.authorization · denied · high confidence"]);
  await expect(detail.getByTestId("content-findings")).toContainText("Values are never stored when redacted or denied");
  await expect(page.locator("body")).not.toContainText(token);

  // Loosening under the two-admin rule waits for another owner or admin, as the other weakening settings do.
  await updateOrgSettings({ ctx: org.ctx, input: { policies: { requireSecondApproval: true } } });
  await page.goto(`/o/${org.org.slug}/settings`);
  const again = page.getByRole("region", { name: "Secrets and personal data" });
  await again.getByLabel("Personal data", { exact: true }).selectOption("off");
  await again.getByRole("button", { name: "Save" }).click();
  await expect(again.getByRole("status")).toContainText("Not applied yet: this change weakens enforcement (content.personalData), so another owner or admin must approve it");
  expect((await getOrgSettings({ ctx: org.ctx })).content).toEqual({
    secrets: "deny",
    personalData: "flag",
    promptSecrets: "deny",
    promptPersonalData: "redact",
    minConfidence: "medium",
  });
});

test("a decision with a redacted finding shows it on its audit entry and on its approval request, never the value", async ({ page, stack }) => {
  const org = await createTestOrg({ label: "content-findings", policies: POLICIES });
  const token = githubToken();
  const executed = await execute(stack, org, "ticket.read", { headers: { authorization: token }, ticket: 4711 });
  expect(executed).toMatchObject({ status: "executed", findings: [{ detector: "github_token", action: "redacted" }] });
  const requested = await execute(stack, org, "ticket.escalate", { headers: { authorization: token }, ticket: 4712 });
  expect(requested.status).toBe("requested");

  await signedInAt(page, `/o/${org.org.slug}/audit`, org.owner);
  const { detail } = await openEntry(page, executed.auditEventId);
  const findings = detail.getByTestId("content-findings");
  await expect(findings.getByRole("heading")).toHaveText("Secrets and personal data found (1)");
  await expect(findings.getByTestId("content-finding")).toHaveText(["secret · github_token · metadata.headers.authorization · redacted · high confidence"]);
  await expect(findings).toContainText("Values are never stored when redacted or denied");
  // What was written in its place: the placeholder, in the entry's data.
  await expect(detail.getByTestId("entry-data")).toContainText("[secret:github_token#");
  await expect(page.locator("body")).not.toContainText(token);

  await page.goto(`/o/${org.org.slug}/approvals`);
  await page.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${requested.approvalId}"]`).click();
  const approval = page.getByTestId("approval-detail");
  await expect(approval).toHaveAttribute("data-approval-id", requested.approvalId ?? "");
  await expect(approval.getByTestId("content-finding")).toHaveText(["secret · github_token · metadata.headers.authorization · redacted · high confidence"]);
  await expect(approval.getByTestId("approval-metadata")).toContainText("[secret:github_token#");
  await expect(page.locator("body")).not.toContainText(token);
});

test("an owner erases a subject with a reason: a plain confirmation, the result and its entry, and the decision shows the field as erased and still verifies", async ({
  page,
  stack,
}) => {
  const org = await createTestOrg({ label: "erasure", policies: POLICIES });
  const email = `jane.doe-${randomBytes(4).toString("hex")}@example.com`;
  // Personal data is flagged out of the box: the email is kept, and can be erased.
  const decision = await execute(stack, org, "ticket.read", { customer: email, ticket: 88 });
  expect(decision.findings).toEqual([{ detector: "email", class: "personalData", confidence: "high", path: "metadata.customer", action: "flagged" }]);
  const other = await execute(stack, org, "ticket.read", { customer: "someone else", ticket: 89 });

  await signedInAt(page, `/o/${org.org.slug}/audit`, org.owner);
  await page.getByRole("button", { name: "Erase personal data…" }).click();
  const panel = page.getByTestId("erase-panel");
  await expect(panel.getByRole("heading", { name: "Erase personal data" })).toBeVisible();
  await expect(panel.getByLabel("Every field, in every entry, that contains a subject")).toBeChecked();
  // Checked before anything is asked: no reason, a subject too short.
  await panel.getByLabel("Subject", { exact: true }).fill("ja");
  await panel.getByRole("button", { name: "Review erasure…" }).click();
  await expect(panel).toContainText("Subject must be at least 6 characters");
  await expect(panel).toContainText("Reason is required");

  await panel.getByLabel("Subject", { exact: true }).fill(email);
  await panel.getByLabel("Reason", { exact: true }).fill("erasure request #88");
  await panel.getByRole("button", { name: "Review erasure…" }).click();
  const confirm = panel.getByTestId("erase-confirm");
  await expect(confirm).toContainText(`Erase every committed field that contains “${email}”, in every entry of the organization? This cannot be undone.`);
  await expect(confirm).toContainText("removed from the audit log and from the console's copies");
  await expect(confirm).toContainText("The log stays verifiable");
  await expect(confirm).toContainText("erasure request #88");
  await expect(confirm).toContainText("Copies made before — an export someone kept, a backup — still hold the values");
  await expect(confirm).toContainText("Entries written before the second entry format hold their values in their hashed text and cannot be erased");
  // Nothing is erased until it is confirmed.
  expect((await storedFields(decision.auditEventId)).metadata?.canonical).toContain(email);

  await confirm.getByRole("button", { name: "Erase permanently" }).click();
  const result = panel.getByTestId("erasure-result");
  await expect(result).toContainText("Erased 1 field in 1 entry.");
  const erasureEntryId = await result.getAttribute("data-erasure-entry-id");
  expect(erasureEntryId).toMatch(/^aud_/);
  const erasure = await db().auditEntry.findUniqueOrThrow({ where: { id: erasureEntryId ?? "" }, select: { seq: true, type: true } });
  expect(erasure.type).toBe("audit.erased");
  await expect(result).toContainText(`Recorded as entry #${erasure.seq} (${erasureEntryId}).`);
  // Gone from the log and from the console's copy; the other decision keeps its values.
  expect((await storedFields(decision.auditEventId)).metadata).toEqual({ erased: { seq: Number(erasure.seq) } });
  expect((await db().action.findFirstOrThrow({ where: { orgId: org.org.id, auditEntryId: decision.auditEventId } })).metadata).toEqual({});
  expect((await storedFields(other.auditEventId)).metadata?.canonical).toContain("someone else");

  // The decision, refreshed: its metadata reads as erased by that entry, and its inclusion proof still verifies.
  const { detail } = await openEntry(page, decision.auditEventId);
  await expect(detail.getByTestId("erased-field")).toHaveText([`erased by entry #${erasure.seq}`]);
  await expect(detail.getByTestId("erased-field")).toHaveAttribute("data-field", "metadata");
  await expect(detail.getByTestId("inclusion-verdict")).toHaveAttribute("data-valid", "true", { timeout: 20_000 });
  await expect(page.locator("body")).not.toContainText(email);
  // Nothing is left to erase in it: it offers no erasure of its own.
  await expect(detail.getByRole("button", { name: "Erase this entry's data…" })).toHaveCount(0);

  // The result's link: the erasure entry itself, with its reason.
  await result.getByRole("link", { name: "Show the erasure entry" }).click();
  const erasureDetail = page.getByRole("main").locator(`[data-testid="entry-detail"][data-entry-id="${erasureEntryId}"]`);
  await expect(erasureDetail).toBeVisible();
  await expect(erasureDetail).toContainText("audit.erased");
  await expect(erasureDetail.getByTestId("entry-data")).toContainText("erasure request #88");
  await expect(erasureDetail.getByTestId("entry-data")).not.toContainText(email);

  // By entry: the other decision's own "Erase this entry's data…" fills in its id.
  await page.getByRole("button", { name: "Clear filters" }).click();
  const { detail: otherDetail } = await openEntry(page, other.auditEventId);
  await otherDetail.getByRole("button", { name: "Erase this entry's data…" }).click();
  const byEntry = page.getByTestId("erase-panel");
  await expect(byEntry.getByLabel("Every field of some entries")).toBeChecked();
  await expect(byEntry.getByLabel("Entry ids", { exact: true })).toHaveValue(other.auditEventId);
  await byEntry.getByLabel("Reason", { exact: true }).fill("erasure request #89");
  await byEntry.getByRole("button", { name: "Review erasure…" }).click();
  await expect(byEntry.getByTestId("erase-confirm")).toContainText(`Erase every committed field of entry ${other.auditEventId}? This cannot be undone.`);
  await byEntry.getByRole("button", { name: "Erase permanently" }).click();
  await expect(byEntry.getByTestId("erasure-result")).toContainText(/^Erased \d+ fields? in 1 entry\./);
  expect((await storedFields(other.auditEventId)).metadata?.erased).toBeDefined();
});

test("an admin is offered no erasure, and the console's route refuses one from the admin's session", async ({ page, stack }) => {
  const org = await createTestOrg({ label: "erasure-admin", policies: POLICIES });
  const admin = await addMember(org, "admin");
  const email = `kept-${randomBytes(4).toString("hex")}@example.com`;
  const decision = await execute(stack, org, "ticket.read", { customer: email });

  await signedInAt(page, `/o/${org.org.slug}/audit`, admin);
  const { detail } = await openEntry(page, decision.auditEventId);
  await expect(detail.getByTestId("entry-data")).toContainText(email);
  await expect(page.getByRole("button", { name: "Erase personal data…" })).toHaveCount(0);
  await expect(detail.getByRole("button", { name: "Erase this entry's data…" })).toHaveCount(0);

  // Sent anyway, as the console itself would send it (same origin, JSON): refused by the permission, not by the edge.
  const answer = await page.request.post(`/api/orgs/${org.org.slug}/audit/erasures`, {
    headers: { origin: stack.webUrl, "sec-fetch-site": "same-origin" },
    data: { subject: email, reason: "not mine to erase" },
  });
  const text = await answer.text();
  expect(answer.status(), text).toBe(403);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("FORBIDDEN");
  expect(body.error.message).not.toMatch(/cross-site/);
  expect((await storedFields(decision.auditEventId)).metadata?.canonical).toContain(email);
  expect(await db().auditEntry.count({ where: { orgId: org.org.id, type: "audit.erased" } })).toBe(0);
});

test("the attacker's table for POST …/audit/erasures: every cross-site kind and every body but JSON refused with the owner's own cookie, every other role refused, nothing erased", async ({
  stack,
}) => {
  const org = await createTestOrg({ label: "erasure-attacks", policies: POLICIES });
  const email = `target-${randomBytes(4).toString("hex")}@example.com`;
  const decision = await execute(stack, org, "ticket.read", { customer: email });
  const url = `/api/orgs/${org.org.slug}/audit/erasures`;
  // What the console itself sends: a request that got through with it would erase the entry.
  const body = { subject: email, reason: "attacker's table" };
  const own = { origin: stack.webUrl, "sec-fetch-site": "same-origin" };
  const evil = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
  const fields = { subject: body.subject, reason: body.reason };
  const sameSite = `${new URL(stack.webUrl).protocol}//${new URL(stack.webUrl).hostname}:1`;
  const json = JSON.stringify(body);
  const attempts: Array<{ name: string; options: Parameters<APIRequestContext["post"]>[1]; status: number; message: RegExp }> = [
    { name: "text/plain from another site", options: { headers: { ...evil, "content-type": "text/plain" }, data: json }, status: 403, message: /^cross-site request refused/ },
    { name: "a form from another site", options: { headers: evil, form: fields }, status: 403, message: /^cross-site request refused/ },
    { name: "a multipart form from another site", options: { headers: evil, multipart: fields }, status: 403, message: /^cross-site request refused/ },
    {
      name: "JSON with a foreign Origin",
      options: { headers: { origin: evil.origin, "content-type": "application/json" }, data: json },
      status: 403,
      message: /^cross-site request refused/,
    },
    {
      name: "JSON with Sec-Fetch-Site: cross-site",
      options: { headers: { origin: stack.webUrl, "sec-fetch-site": "cross-site", "content-type": "application/json" }, data: json },
      status: 403,
      message: /^cross-site request refused/,
    },
    {
      name: "JSON from another port of the host (same-site)",
      options: { headers: { origin: sameSite, "sec-fetch-site": "same-site", "content-type": "application/json" }, data: json },
      status: 403,
      message: /^cross-site request refused/,
    },
    { name: "JSON with no Origin", options: { headers: { "content-type": "application/json" }, data: json }, status: 403, message: /^cross-site request refused/ },
    { name: "text/plain from the console's origin", options: { headers: { ...own, "content-type": "text/plain" }, data: json }, status: 400, message: /application\/json/ },
    { name: "a form from the console's origin", options: { headers: own, form: fields }, status: 400, message: /application\/json/ },
    { name: "a multipart form from the console's origin", options: { headers: own, multipart: fields }, status: 400, message: /application\/json/ },
  ];
  const owner = await sessionOf(stack, org.owner);
  for (const attempt of attempts) {
    const answer = await owner.post(url, attempt.options);
    const text = await answer.text();
    expect(answer.status(), `${attempt.name}: ${text}`).toBe(attempt.status);
    expect((JSON.parse(text) as { error: { message: string } }).error.message, attempt.name).toMatch(attempt.message);
  }
  // Every role but the owner's, with the console's own JSON request: the permission refuses it (owners only).
  for (const role of ["admin", "approver", "auditor", "viewer"] as const satisfies readonly MemberRole[]) {
    const member = await sessionOf(stack, await addMember(org, role));
    const answer = await member.post(url, { headers: { ...own, "content-type": "application/json" }, data: json });
    const text = await answer.text();
    expect(answer.status(), `${role}: ${text}`).toBe(403);
    expect(JSON.parse(text), role).toMatchObject({ error: { code: "FORBIDDEN", message: expect.not.stringMatching(/cross-site/) } });
  }
  expect((await storedFields(decision.auditEventId)).metadata?.canonical).toContain(email);
  expect(await db().auditEntry.count({ where: { orgId: org.org.id, type: "audit.erased" } })).toBe(0);

  // The same body, sent as the console sends it by its owner, does erase: the table above could have failed.
  const done = await owner.post(url, { headers: { ...own, "content-type": "application/json" }, data: json });
  expect(done.status(), await done.text()).toBe(200);
  expect(await done.json()).toMatchObject({ entries: 1, fields: 1, erasureEntryId: expect.stringMatching(/^aud_/) });
  expect((await storedFields(decision.auditEventId)).metadata?.erased).toBeDefined();
});
