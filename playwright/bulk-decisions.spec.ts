import { db, disconnectDb } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import { request as apiRequest, type APIRequestContext, type Page } from "@playwright/test";
import { expect, openSignedIn, test } from "./fixtures";
import type { E2EStack } from "./stack";

// Bulk decisions in the console: the route behind "Approve selected" / "Deny selected"
// (POST /api/orgs/[orgSlug]/approvals/decision, the same service as the API's bulk route) answers each
// approval on its own — decided, or refused and why (own request, already decided, expired, another
// org's) — and writes nothing it refuses; then the inbox journey: tick, approve selected, confirm, and
// the decided rows leave with a result per approval. (Cross-site, role and other-org tables over the
// route: cross-site.spec.ts and security.spec.ts.)

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 600 } },
  { name: "two-for-deploys", actions: ["deploy.*"], effect: "require_approval", approval: { quorum: 2, timeoutSeconds: 600 } },
];

let api: APIRequestContext;

test.beforeAll(async ({ stack }) => {
  api = await apiRequest.newContext({ baseURL: stack.apiUrl });
});

test.afterAll(async () => {
  await api?.dispose();
  await disconnectDb();
});

/** An agent's request the org's policies hold for a person: its approval id. */
async function requestApproval(org: TestOrg, actionType = "pr.merge", metadata: Record<string, unknown> = {}): Promise<string> {
  const response = await api.post("/v1/actions", { headers: { authorization: `Bearer ${org.agent.apiKey}` }, data: { actionType, metadata: { pr: 1, ...metadata } } });
  expect(response.status(), await response.text()).toBe(200);
  const body = (await response.json()) as { status: string; approvalId?: string };
  if (body.status !== "requested" || !body.approvalId) throw new Error(`expected an approval, got ${body.status}`);
  return body.approvalId;
}

async function signedInAt(page: Page, org: TestOrg): Promise<void> {
  await openSignedIn(page, `/o/${org.org.slug}/approvals`, org.owner);
  await expect(page).toHaveURL(`/o/${org.org.slug}/approvals`);
}

function bulk(page: Page, stack: E2EStack, slug: string, data: unknown) {
  return page.request.post(`/api/orgs/${slug}/approvals/decision`, { headers: { origin: stack.webUrl }, data });
}

async function votesOn(approvalIds: string[]): Promise<number> {
  return db().approvalVote.count({ where: { approvalId: { in: approvalIds } } });
}

test("the bulk route decides each approval on its own and refuses, with why, the ones it may not", async ({ page, stack }) => {
  const org = await createTestOrg({ label: "bulk-route", policies: POLICIES });
  const other = await createTestOrg({ label: "bulk-route-b", policies: POLICIES });
  await signedInAt(page, org);
  const slug = org.org.slug;

  const first = await requestApproval(org);
  const second = await requestApproval(org);
  const own = await requestApproval(org, "pr.merge", { requestedBy: org.owner.email });
  const decided = await requestApproval(org);
  const denied = await page.request.post(`/api/orgs/${slug}/approvals/${decided}/decision`, { headers: { origin: stack.webUrl }, data: { decision: "deny" } });
  expect(denied.status(), await denied.text()).toBe(200);
  const expired = await requestApproval(org);
  await db().approval.update({ where: { id: expired }, data: { expiresAt: new Date(Date.now() - 1_000) } });
  const foreign = await requestApproval(other);

  const answer = await bulk(page, stack, slug, { decision: "approve", reason: "batch", approvalIds: [first, own, decided, expired, foreign, second, first] });
  expect(answer.status(), await answer.text()).toBe(200);
  const { results } = (await answer.json()) as { results: Array<{ approvalId: string; status?: string; error?: { code: string; message: string } }> };
  expect(results.map((r) => [r.approvalId, r.status ?? r.error?.code])).toEqual([
    [first, "approved"],
    [own, "FORBIDDEN"],
    [decided, "CONFLICT"],
    [expired, "CONFLICT"],
    [foreign, "NOT_FOUND"],
    [second, "approved"],
  ]);
  const byId = new Map(results.map((r) => [r.approvalId, r.error?.message ?? ""]));
  expect(byId.get(own)).toContain("separation of duties");
  expect(byId.get(decided)).toContain("already denied");
  expect(byId.get(expired)).toMatch(/expired/);
  expect(JSON.stringify(results)).not.toContain(other.org.id);

  // What was refused was not written: no vote on the own request or on the other org's approval.
  expect(await votesOn([own, foreign, expired])).toBe(0);
  expect((await db().approval.findUniqueOrThrow({ where: { id: own } })).status).toBe("pending");
  expect((await db().approval.findUniqueOrThrow({ where: { id: foreign } })).status).toBe("pending");
  const reasons = await db().approvalVote.findMany({ where: { approvalId: { in: [first, second] } }, select: { reason: true } });
  expect(reasons.map((v) => v.reason)).toEqual(["batch", "batch"]);

  // Only refusals of one kind: the refusal itself, as the one-approval route answers, nothing written.
  const onlyForeign = await bulk(page, stack, slug, { decision: "approve", approvalIds: [foreign] });
  expect(onlyForeign.status()).toBe(404);
  expect(((await onlyForeign.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  const onlyOwn = await bulk(page, stack, slug, { decision: "approve", approvalIds: [own] });
  expect(onlyOwn.status()).toBe(403);
  expect(await onlyOwn.text()).toContain("separation of duties");
  expect(await votesOn([own, foreign])).toBe(0);

  // One person supplies one vote of a two-vote approval, however often it is sent; changing it is refused.
  const deploy = await requestApproval(org, "deploy.prod");
  for (const ids of [[deploy, deploy], [deploy]]) {
    const vote = await bulk(page, stack, slug, { decision: "approve", approvalIds: ids });
    expect(vote.status(), await vote.text()).toBe(200);
    expect(((await vote.json()) as { results: unknown[] }).results).toEqual([{ approvalId: deploy, status: "pending" }]);
  }
  const flip = await bulk(page, stack, slug, { decision: "deny", approvalIds: [deploy] });
  expect(((await flip.json()) as { results: Array<{ error?: { code: string } }> }).results[0]?.error?.code).toBe("CONFLICT");
  expect(await votesOn([deploy])).toBe(1);
  expect((await db().approval.findUniqueOrThrow({ where: { id: deploy } })).status).toBe("pending");

  // Bad input: 400 naming the field, nothing written.
  const pendingNow = await requestApproval(org);
  for (const [data, field] of [
    [{ decision: "approve", approvalIds: [] }, "approvalIds"],
    [{ decision: "approve", approvalIds: Array.from({ length: 1001 }, () => pendingNow) }, "approvalIds"],
    [{ decision: "approve", approvalIds: ["not-an-id"] }, "approvalIds"],
    [{ decision: "maybe", approvalIds: [pendingNow] }, "decision"],
    [{ decision: "approve", approvalIds: [pendingNow], extra: 1 }, ""],
  ] as const) {
    const refused = await bulk(page, stack, slug, data);
    expect(refused.status(), JSON.stringify(data).slice(0, 80)).toBe(400);
    expect(await refused.text()).toContain(field);
  }
  expect(await votesOn([pendingNow])).toBe(0);
});

test("tick pending approvals, approve selected, confirm: decided rows leave the inbox, the refused one stays with why", async ({ page }) => {
  const org = await createTestOrg({ label: "bulk-inbox", policies: POLICIES });
  const first = await requestApproval(org, "pr.merge", { files: 1 });
  const second = await requestApproval(org, "pr.merge", { files: 2 });
  const own = await requestApproval(org, "pr.merge", { requestedBy: org.owner.email });
  await signedInAt(page, org);

  // In the main region: while the page streams, its rows also sit in a hidden copy beside it (docs/repeated-runs.md).
  const main = page.getByRole("main");
  const rowSelector = (id: string) => `[data-testid="approval-row"][data-approval-id="${id}"]`;
  const row = (id: string) => main.locator(rowSelector(id));
  for (const id of [first, second, own]) await expect(row(id)).toBeVisible();
  const bar = page.getByTestId("bulk-bar");
  await expect(bar.getByTestId("bulk-count")).toHaveText("0 selected");

  await main
    .locator("li", { has: page.locator(rowSelector(first)) })
    .getByTestId("approval-check")
    .check();
  await expect(bar.getByTestId("bulk-count")).toHaveText("1 selected");
  await bar.getByTestId("bulk-select-all").check();
  await expect(bar.getByTestId("bulk-count")).toHaveText("3 selected");

  await bar.getByRole("button", { name: "Approve selected" }).click();
  const confirm = page.getByTestId("bulk-confirm");
  await expect(confirm).toContainText("Approve 3 approvals?");
  await confirm.getByTestId("bulk-reason").fill("weekly merge batch");
  await confirm.getByTestId("bulk-confirm-button").click();

  const results = page.getByTestId("bulk-results");
  await expect(results.getByTestId("bulk-summary")).toHaveText("Approved 2 of 3; 1 refused.");
  await expect(results.locator(`[data-testid="bulk-result-refused"][data-approval-id="${own}"]`)).toContainText("separation of duties");
  await expect(results.getByTestId("bulk-result-decided")).toHaveCount(2);
  await expect(row(first)).toHaveCount(0);
  await expect(row(second)).toHaveCount(0);
  await expect(row(own)).toBeVisible();
  await expect(bar.getByTestId("bulk-count")).toHaveText("0 selected");

  const statuses = await db().approval.findMany({ where: { id: { in: [first, second, own] } }, select: { id: true, status: true } });
  expect(Object.fromEntries(statuses.map((a) => [a.id, a.status]))).toEqual({ [first]: "approved", [second]: "approved", [own]: "pending" });
  expect((await db().approvalVote.findMany({ where: { approvalId: first }, select: { reason: true } })).map((v) => v.reason)).toEqual(["weekly merge batch"]);
});
