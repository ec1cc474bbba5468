import { DeniedError, Gatehouse, type ActionResult, type GateOptions } from "../packages/sdk/src/index.ts";
import type { Page } from "@playwright/test";
import { expect, openSignedIn, test } from "./fixtures";
import type { E2EStack } from "./stack";

// Journeys of the approval queue. The org's policy "large-merges-need-review" (global-setup.ts) asks
// for one approval before a pr.merge touching more than 50 files; the signed-in owner may approve.

/** Starts `gate()` as an agent script would, and resolves with the approval id once it waits. */
async function startGate(stack: E2EStack, metadata: Record<string, unknown>, options: GateOptions = {}) {
  const gatehouse = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
  let onRequested: (result: ActionResult) => void = () => {};
  const requested = new Promise<ActionResult>((resolve) => {
    onRequested = resolve;
  });
  // Settled into a value at once, so a rejection is never unhandled while the browser works.
  const outcome = gatehouse.gate("pr.merge", { ...options, metadata, onRequested }).then(
    (result) => ({ result, error: null }),
    (error: unknown) => ({ result: null, error }),
  );
  const first = await Promise.race([requested, outcome]);
  if (!("approvalId" in first) || !first.approvalId) {
    throw new Error(`gate() did not wait for an approval: ${JSON.stringify(first)}`);
  }
  return { approvalId: first.approvalId, outcome };
}

async function openInbox(page: Page, stack: E2EStack) {
  await openSignedIn(page, `/o/${stack.org.slug}/approvals`, stack.member);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/approvals`);
  await expect(page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();
  // The event stream is open, so what the agent asks next arrives without a reload.
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-status", "live");
}

test("an agent's gate() returns executed once an operator approves in the inbox", async ({ page, stack }) => {
  await openInbox(page, stack);
  const { approvalId, outcome } = await startGate(stack, { repo: "acme/web", pr: 7, files: 80 });

  const row = page.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${approvalId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("approval-action-type")).toHaveText("pr.merge");
  await expect(row.getByTestId("approval-agent")).toHaveText(stack.agent.name);
  // Rows of one action type tell apart: who asks (the agent, without metadata.requestedBy) and a digest of the
  // metadata, in the order the API answers its keys (PostgreSQL's jsonb order: shorter keys first).
  await expect(row.getByTestId("approval-requester")).toHaveText(stack.agent.name);
  await expect(row.getByTestId("approval-digest")).toHaveText("pr=7 · repo=acme/web · files=80");
  await expect(row.getByTestId("approval-quorum")).toHaveText("0/1 approvals");
  await expect(page.getByRole("link", { name: /^Approvals \(\d+ pending\)$/ })).toBeVisible();

  await row.click();
  const detail = page.getByTestId("approval-detail");
  await expect(detail).toHaveAttribute("data-approval-id", approvalId);
  await expect(detail.getByRole("heading", { name: "pr.merge" })).toBeVisible();
  await expect(detail).toContainText("large-merges-need-review");
  const condition = detail.getByRole("row").filter({ hasText: "metadata.files" });
  await expect(condition.getByRole("cell")).toHaveText(["metadata.files", "gt", "50", "80", "true"]);
  // Metadata reads as key/value pairs, not a JSON box.
  const metadata = detail.getByTestId("approval-metadata");
  await expect(metadata.locator('dd[data-key="files"]')).toHaveText("80");
  await expect(metadata.locator('dd[data-key="repo"]')).toHaveText("acme/web");
  await expect(detail.getByText("(this request)")).toBeVisible();

  await detail.getByRole("button", { name: "Approve", exact: true }).click();

  await expect(page.getByRole("status").filter({ hasText: `Approved pr.merge for ${stack.agent.name}` })).toBeVisible();
  await expect(row).toHaveCount(0);

  const { result, error } = await outcome;
  expect(error).toBeNull();
  expect(result?.status).toBe("executed");

  // History keeps it, with who approved it.
  await page.getByRole("tab", { name: "History" }).click();
  const decided = page.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${approvalId}"]`);
  await decided.click();
  await expect(decided.getByTestId("approval-status")).toHaveText("approved");
  await expect(detail.getByTestId("approval-outcome")).toContainText("Approved by");

  // The agent reports how the merge went.
  const gatehouse = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
  const reported = await gatehouse.report(result?.auditEventId ?? "", { status: "success" });
  const outcomeId = reported.outcomeAuditEventId ?? "";
  expect(outcomeId).not.toBe("");

  // The audit log says who did what: the member's vote and the decision it made, the agent's outcome.
  const entryOf = async (type: string, match: (data: Record<string, unknown>) => boolean) => {
    const response = await page.request.get(`/api/orgs/${stack.org.slug}/audit?type=${type}&limit=20`);
    const body = (await response.json()) as { events: Array<{ id: string; data: Record<string, unknown> }> };
    const entry = body.events.find((event) => match(event.data));
    if (!entry) throw new Error(`no ${type} entry for ${approvalId}`);
    return entry.id;
  };
  const voteId = await entryOf("approval.vote", (data) => data.approvalId === approvalId);
  const decidedId = await entryOf("approval.decided", (data) => data.approvalId === approvalId);
  await page.goto(`/o/${stack.org.slug}/audit`);
  // In the page's main region: a streamed page can leave its server copy in a hidden holder beside it
  // when React renders the page itself before the stream's swap runs (it stays hidden; see address-bar.ts).
  const auditRow = (id: string) => page.getByRole("main").locator(`[data-testid="audit-row"][data-entry-id="${id}"]`);
  for (const [id, label, actor] of [
    [voteId, "approve", stack.member.email],
    [decidedId, "approved", stack.member.email],
    [outcomeId, "success", "the agent"],
  ] as const) {
    await expect(auditRow(id).getByTestId("decision-status")).toHaveText(label);
    await expect(auditRow(id).getByTestId("actor")).toHaveText(actor);
    await expect(auditRow(id).getByTestId("action-type")).toHaveText("pr.merge");
  }
});

test("a reviewer's deny with a reason reaches gate() as a DeniedError (keyboard: d, reason, Enter)", async ({ page, stack }) => {
  await openInbox(page, stack);

  const { approvalId, outcome } = await startGate(stack, { repo: "acme/api", pr: 8, files: 120 });
  const row = page.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${approvalId}"]`);
  await expect(row).toBeVisible();
  await row.click();
  await expect(page.getByTestId("approval-detail")).toHaveAttribute("data-approval-id", approvalId);

  const why = "Too many files for a Friday merge";
  await page.keyboard.press("d");
  const reason = page.getByLabel("Reason");
  await expect(reason).toBeFocused();
  await expect(page.getByText("Press Enter to deny, Esc to cancel.")).toBeVisible();
  await reason.fill(why);
  await reason.press("Enter");

  await expect(page.getByRole("status").filter({ hasText: `Denied pr.merge for ${stack.agent.name}` })).toBeVisible();
  await expect(row).toHaveCount(0);

  const { result, error } = await outcome;
  expect(result).toBeNull();
  expect(error).toBeInstanceOf(DeniedError);
  const denied = error as DeniedError;
  expect(denied.reason).toBe("DENIED_BY_REVIEWER");
  expect(denied.approvalId).toBe(approvalId);
  expect(denied.decisionReason).toBe(why);
  expect(denied.message).toContain(why);
});

test("the requester cannot approve their own request (separation of duties); the approvals API checks session, org and input", async ({ page, stack }) => {
  const signedOut = await page.request.get(`/api/orgs/${stack.org.slug}/approvals`);
  expect(signedOut.status()).toBe(401);

  await openInbox(page, stack);
  const abort = new AbortController();
  const { approvalId, outcome } = await startGate(stack, { repo: "acme/web", pr: 9, files: 60, requestedBy: stack.member.email }, { signal: abort.signal });
  try {
    const row = page.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${approvalId}"]`);
    // The requester is the member named in metadata.requestedBy, through the agent; the digest leaves that key out.
    await expect(row.getByTestId("approval-requester")).toHaveText(`${stack.member.email} via ${stack.agent.name}`);
    await expect(row.getByTestId("approval-digest")).toHaveText("pr=9 · repo=acme/web · files=60");
    await row.click();
    const detail = page.getByTestId("approval-detail");
    await expect(detail).toHaveAttribute("data-approval-id", approvalId);
    await expect(detail.getByTestId("cannot-decide")).toContainText("separation of duties");
    await expect(detail.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);

    // The service refuses it too, whatever the page shows.
    const vote = await page.request.post(`/api/orgs/${stack.org.slug}/approvals/${approvalId}/decision`, {
      headers: { origin: stack.webUrl },
      data: { decision: "approve" },
    });
    expect(vote.status()).toBe(403);
    const body = (await vote.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("FORBIDDEN");
    expect(body.error.message).toContain("separation of duties");

    const one = await page.request.get(`/api/orgs/${stack.org.slug}/approvals/${approvalId}`);
    expect(one.status()).toBe(200);
    expect(((await one.json()) as { viewer: { canDecide: boolean } }).viewer.canDecide).toBe(false);

    const badStatus = await page.request.get(`/api/orgs/${stack.org.slug}/approvals?status=maybe`);
    expect(badStatus.status()).toBe(400);
    const badBody = await page.request.post(`/api/orgs/${stack.org.slug}/approvals/${approvalId}/decision`, {
      headers: { origin: stack.webUrl },
      data: { decision: "perhaps" },
    });
    expect(badBody.status()).toBe(400);
    expect(((await badBody.json()) as { error: { message: string } }).error.message).toContain("decision");

    expect((await page.request.get(`/api/orgs/${stack.otherOrg.slug}/approvals`)).status()).toBe(404);
    expect((await page.request.get(`/api/orgs/${stack.otherOrg.slug}/events`)).status()).toBe(404);
    // An approval id of the right shape that names nothing is 404; one of the wrong shape is a 400 naming it.
    expect((await page.request.get(`/api/orgs/${stack.org.slug}/approvals/apr_AbCdEfGhIjKlMnOpQrStUv`)).status()).toBe(404);
    expect((await page.request.get(`/api/orgs/${stack.org.slug}/approvals/apr_doesnotexist`)).status()).toBe(400);
  } finally {
    abort.abort();
    await outcome;
  }
});
