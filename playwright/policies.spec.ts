import { disconnectDb } from "@gatehouse/db";
import { createTestOrg, type TestOrg } from "@gatehouse/db/testing";
import type { Page } from "@playwright/test";
import { expect, openSignedIn, test } from "./fixtures";
import { addMember } from "./people";
import { readStack, type E2EStack } from "./stack";

// Issue 16's acceptance journey: open the policies, edit the draft in the code editor and see an
// inline error at its line, fix it, write a test that fails and then passes, replay the draft against
// the org's real decisions, publish, and see the new version, its diff and the audit entry. The
// history is made through the API in the setup: the replay evaluates those decisions.
//
// Typing: the whole draft is put in with keyboard.insertText (one input, as a paste: no auto-indent or
// bracket closing to fight); the fix is typed key by key (keyboard.type / press) at the error's line.

const POLICIES = [
  { name: "allow-pr", actions: ["pr.*"], effect: "allow" },
  { name: "review-merges", actions: ["pr.merge"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } },
];

/** The recorded history: pr.open executed, db.drop denied (no policy), pr.merge sent for approval. */
const HISTORY = { "pr.open": 3, "db.drop": 2, "pr.merge": 1 } as const;

/** The draft as the author writes it: line 13 holds a wrong effect (a hyphen for the underscore). */
const DRAFT = `policies:
  - name: allow-pr
    actions: ["pr.*"]
    agents: ["*"]
    effect: allow
  - name: review-merges
    description: Merges wait for a reviewer
    actions: ["pr.merge"]
    effect: require_approval
    approval: { quorum: 1, timeoutSeconds: 3600 }
  - name: gate-db
    actions: ["db.*"]
    effect: require-approval
tests: []
`;
const ERROR_LINE = 13;

let org: TestOrg;

async function act(stack: E2EStack, actionType: string): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { status: string }).status;
}

async function openPolicies(page: Page, credentials: { email: string; password: string }) {
  await openSignedIn(page, `/o/${org.org.slug}/policies`, credentials);
  await expect(page).toHaveURL(`/o/${org.org.slug}/policies`);
}

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(60_000);
  const stack = readStack();
  org = await createTestOrg({ label: "policies", policies: POLICIES });
  for (let i = 0; i < HISTORY["pr.open"]; i += 1) expect(await act(stack, "pr.open")).toBe("executed");
  for (let i = 0; i < HISTORY["db.drop"]; i += 1) expect(await act(stack, "db.drop")).toBe("denied");
  for (let i = 0; i < HISTORY["pr.merge"]; i += 1) expect(await act(stack, "pr.merge")).toBe("requested");
});

test.afterAll(async () => {
  await disconnectDb();
});

test("write, test, replay and publish a policy change in the console", async ({ page }) => {
  test.setTimeout(120_000);
  const slug = org.org.slug;
  // The list's decision counts come from what the API recorded (rollups a worker job keeps): wait for them.
  await openPolicies(page, org.owner);
  await expect
    .poll(
      async () => {
        const list = (await (await page.request.get(`/api/orgs/${slug}/policies`)).json()) as { policies: Array<{ name: string; decisions7d: number }> };
        return list.policies.find((p) => p.name === "allow-pr")?.decisions7d;
      },
      { timeout: 30_000 },
    )
    .toBe(HISTORY["pr.open"]);
  await page.reload();

  // The list: each active policy with its effect, patterns, version and its decisions of the last 7 days.
  await expect(page.getByRole("heading", { name: "Policies", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Policies" })).toHaveAttribute("aria-current", "page");
  const rows = page.getByTestId("policy-row");
  await expect(rows).toHaveCount(2);
  const allowPr = rows.filter({ hasText: "allow-pr" });
  await expect(allowPr).toContainText("allow");
  await expect(allowPr).toContainText("pr.*");
  await expect(allowPr).toContainText("v1");
  await expect(allowPr.locator("td").last()).toHaveText(String(HISTORY["pr.open"]));
  await expect(page.getByRole("heading", { name: "What monitor mode would have blocked" })).toBeVisible();

  // The editor, over the draft (no draft yet: the active set).
  await page.getByRole("link", { name: "Edit policies" }).click();
  await expect(page).toHaveURL(`/o/${slug}/policies/draft`);
  const editor = page.locator(".cm-content");
  await expect(editor).toContainText("review-merges");
  await expect(page.getByTestId("source-ok")).toBeVisible();

  // Put the draft in; the wrong effect is an error at its line, in the editor and in the list.
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(DRAFT);
  const issue = page.getByTestId("source-issue").filter({ hasText: "policies[2].effect" });
  await expect(issue).toHaveAttribute("data-line", String(ERROR_LINE));
  await expect(issue).toContainText(`Line ${ERROR_LINE}`);
  await expect(
    page
      .locator(".cm-line")
      .nth(ERROR_LINE - 1)
      .locator(".cm-lintRange-error")
      .first(),
  ).toBeVisible();
  await expect(page.getByRole("button", { name: "Publish" })).toBeDisabled();

  // Fix it by typing at that line.
  await page
    .locator(".cm-line")
    .nth(ERROR_LINE - 1)
    .click();
  await page.keyboard.press("End");
  for (let i = 0; i < "require-approval".length; i += 1) await page.keyboard.press("Backspace");
  await page.keyboard.type("require_approval");
  await page.keyboard.press("Escape");
  await expect(page.locator(".cm-line").nth(ERROR_LINE - 1)).toHaveText("    effect: require_approval");
  await expect(page.getByTestId("source-issue")).toHaveCount(0);
  await expect(page.getByTestId("source-ok")).toBeVisible();
  // The markers follow: the check of the fixed text clears them (they were left from the last keystroke).
  await expect(page.locator(".cm-lintRange-error")).toHaveCount(0);
  await expect(page.locator(".cm-lint-marker-error")).toHaveCount(0);

  // A test that fails: a db read must be denied by default, but gate-db (db.*) holds it for approval.
  await page.getByRole("button", { name: "Add test" }).click();
  const form = page.getByRole("form", { name: "Add test" });
  await form.getByLabel("Name").fill("db reads are denied by default");
  await form.getByLabel("Action type").fill("db.read");
  await form.getByLabel("Expected effect").selectOption("deny");
  await form.getByLabel("Expected policy").fill("(none)");
  await form.getByRole("button", { name: "Add to source" }).click();
  await expect(editor).toContainText("db reads are denied by default");
  const result = page.getByTestId("test-result");
  await expect(result).toHaveAttribute("data-passed", "false");
  await expect(result).toContainText("got needs approval by gate-db");
  await expect(page.getByTestId("tests-summary")).toHaveText("0 passed, 1 failed");
  await expect(page.getByRole("button", { name: "Publish" })).toBeDisabled();

  // Narrow the policy with the form (it writes the source): the test passes.
  const policyForm = page.getByRole("form", { name: "Policy form" });
  await policyForm.getByLabel("Policy").selectOption({ label: "gate-db" });
  await expect(policyForm.getByLabel("Actions (comma-separated patterns)")).toHaveValue("db.*");
  await policyForm.getByLabel("Actions (comma-separated patterns)").fill("db.drop, db.delete");
  await policyForm.getByRole("button", { name: "Apply to source" }).click();
  await expect(editor).toContainText("db.delete");
  await expect(result).toHaveAttribute("data-passed", "true");
  await expect(page.getByTestId("tests-summary")).toHaveText("1 passed, 0 failed");

  // Replay against the org's real decisions: the two denied drops would now wait for approval.
  await page.getByRole("group", { name: "Replay days" }).getByRole("button", { name: "7d" }).click();
  await page.getByRole("button", { name: "Replay", exact: true }).click();
  const replay = page.getByTestId("replay-result");
  await expect(replay.getByTestId("replay-evaluated")).toHaveText(String(HISTORY["pr.open"] + HISTORY["db.drop"] + HISTORY["pr.merge"]));
  await expect(replay.getByTestId("replay-changed")).toHaveText(String(HISTORY["db.drop"]));
  await expect(replay.getByTestId("transition-row")).toHaveCount(1);
  await expect(replay.getByTestId("transition-row")).toHaveText(/deny → needs approval\s*2/);
  await expect(replay.getByRole("table", { name: "By action type" })).toContainText("db.drop");
  await expect(replay.getByRole("table", { name: "By agent" })).toContainText(org.agent.name);

  // Publish asks first: what it creates, changes and archives (a dry run), with a replay offered.
  await expect(page.getByTestId("save-state")).toContainText("Draft saved");
  await page.getByRole("button", { name: "Publish…" }).click();
  const confirm = page.getByTestId("publish-confirm");
  await expect(confirm.locator('[data-change="created"]')).toHaveText(["Creates gate-db v1"]);
  await expect(confirm.locator('[data-change="changed"]')).toHaveText(["Changes review-merges v1 → v2"]);
  await expect(confirm.locator('[data-change="archived"]')).toHaveCount(0);
  await expect(confirm).toContainText("1 policy unchanged");
  await confirm.getByRole("button", { name: "Replay the last 7 days" }).click();
  await expect(confirm.getByTestId("publish-replay")).toContainText(`Replayed ${HISTORY["pr.open"] + HISTORY["db.drop"] + HISTORY["pr.merge"]} decisions`);
  await expect(confirm.getByTestId("publish-replay")).toContainText("2 decisions would change");
  // Nothing is live until the author confirms.
  expect(((await (await page.request.get(`/api/orgs/${slug}/policies`)).json()) as { policies: unknown[] }).policies).toHaveLength(2);
  await confirm.getByRole("button", { name: "Publish 2 changes" }).click();
  const published = page.getByTestId("publish-result");
  await expect(published).toContainText("Created gate-db v1");
  await expect(published).toContainText("Updated review-merges v1 → v2");

  // The policy's page: what it says, beside its versions, and the diff between the two.
  await published.getByRole("link", { name: "review-merges" }).click();
  await expect(page).toHaveURL(`/o/${slug}/policies/review-merges`);
  const shown = page.getByTestId("policy-document");
  await expect(shown.getByRole("heading")).toHaveText("The policy (v2, in force)");
  await expect(shown.getByTestId("policy-effect")).toHaveText("needs approval");
  await expect(shown.getByTestId("policy-description")).toHaveText("Merges wait for a reviewer");
  await expect(shown.getByTestId("policy-actions")).toHaveText("pr.merge");
  await expect(shown.getByTestId("policy-agents")).toHaveText("*");
  await expect(shown.getByTestId("policy-approvals-needed")).toHaveText("1 approval");
  await expect(shown.getByTestId("policy-who-may-approve")).toHaveText("approver, admin, owner");
  await expect(shown.getByTestId("policy-expires-after")).toHaveText("3,600 seconds");
  await expect(shown.getByTestId("policy-conditions")).toHaveText("none: every matching call");
  await expect(page.getByTestId("version-row")).toHaveCount(2);
  await expect(page.getByTestId("version-row").first()).toContainText("v2");
  const diff = page.getByTestId("version-diff");
  await expect(diff.locator('[data-kind="added"] [data-part="text"]')).toHaveText(["description: Merges wait for a reviewer"]);
  await expect(diff.locator('[data-kind="removed"]')).toHaveCount(0);
  await expect(page.getByTestId("diff-stats")).toHaveText("+1 −0");

  // The list shows it too, and the audit log has the publication.
  await page.goto(`/o/${slug}/policies`);
  await expect(page.getByTestId("policy-row")).toHaveCount(3);
  await expect(page.getByTestId("policy-row").filter({ hasText: "review-merges" })).toContainText("v2");
  await page.goto(`/o/${slug}/audit?type=policy.version_published`);
  // The rows a person sees, in the main region (a streamed page's hidden server copy is not one: see approvals.spec.ts).
  const auditRows = page.getByRole("main").getByTestId("audit-row");
  await expect(auditRows.filter({ hasText: "published v2" })).toHaveCount(1);
  // Each publication names its policy.
  await expect(auditRows.filter({ hasText: "published v2" }).getByTestId("policy")).toContainText("review-merges");
  await expect(auditRows.filter({ hasText: "published v1" }).getByTestId("policy")).toContainText(["gate-db", "review-merges", "allow-pr"]);
});

/** Three policies; `c` is the last. */
const FOLLOW = `policies:
  - name: a
    actions: ["a.*"]
    effect: allow
  - name: b
    actions: ["b.*"]
    effect: allow
  - name: c
    actions: ["c.*"]
    effect: deny
tests: []
`;

test("the editor's side form and its markers follow the source", async ({ page }) => {
  const slug = org.org.slug;
  await openPolicies(page, org.owner);
  await page.goto(`/o/${slug}/policies/draft`);
  const editor = page.locator(".cm-content");
  await expect(page.getByTestId("source-ok")).toBeVisible();
  const replaceSource = async (text: string) => {
    await editor.click();
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.insertText(text);
  };

  // The form edits c; a policy above it goes from the source: the form still edits c (by name, not place).
  await replaceSource(FOLLOW);
  const form = page.getByRole("form", { name: "Policy form" });
  await form.getByLabel("Policy").selectOption({ label: "c" });
  await expect(form.getByLabel("Name")).toHaveValue("c");
  await replaceSource(FOLLOW.replace('  - name: a\n    actions: ["a.*"]\n    effect: allow\n', ""));
  await expect(form.getByLabel("Policy").locator("option:checked")).toHaveText("c");
  await expect(form.getByLabel("Name")).toHaveValue("c");
  await expect(form.getByLabel("Actions (comma-separated patterns)")).toHaveValue("c.*");
  // An edit of c in the source shows in the form.
  await replaceSource(FOLLOW.replace('["c.*"]', '["c.read"]'));
  await expect(form.getByLabel("Actions (comma-separated patterns)")).toHaveValue("c.read");

  // A wrong effect at line 10; a line added above moves its marker to line 11, and the fix clears it.
  await replaceSource(FOLLOW.replace("effect: deny", "effect: nope"));
  const markerAt = (line: number) =>
    page
      .locator(".cm-line")
      .nth(line - 1)
      .locator(".cm-lintRange-error");
  await expect(markerAt(10).first()).toBeVisible();
  await page.locator(".cm-line").first().click();
  await page.keyboard.press("Home");
  await page.keyboard.type("# three policies");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("source-issue").filter({ hasText: "policies[2].effect" })).toHaveAttribute("data-line", "11");
  await expect(markerAt(11).first()).toBeVisible();
  await expect(page.locator(".cm-lintRange-error")).toHaveCount(1);
  await replaceSource(`# three policies\n${FOLLOW}`);
  await expect(page.getByTestId("source-ok")).toBeVisible();
  await expect(page.locator(".cm-lintRange-error")).toHaveCount(0);

  await page.getByRole("button", { name: "Discard draft" }).click();
  await page.getByRole("button", { name: "Discard all changes" }).click();
  await expect(page.getByTestId("save-state")).toHaveText("No changes yet");
});

test("a viewer sees the policies read-only", async ({ page }) => {
  const viewer = await addMember(org, "viewer");
  await openPolicies(page, viewer);
  await expect(page.getByTestId("policy-row").first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit policies" })).toHaveCount(0);
  await page.getByRole("link", { name: "allow-pr" }).click();
  await expect(page.getByTestId("version-row").first()).toContainText("v1");
  await page.goto(`/o/${org.org.slug}/policies/draft`);
  await expect(page.getByRole("heading", { name: "Policies are read-only for you" })).toBeVisible();
  await expect(page.locator(".cm-content")).toHaveCount(0);
  expect((await page.request.get(`/api/orgs/${org.org.slug}/policies/draft`)).status()).toBe(403);
});

test("the list says what each policy's conditions and budget are, so two policies on one action do not look contradictory", async ({ page, stack }) => {
  await openSignedIn(page, `/o/${stack.org.slug}/policies`, stack.member);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/policies`);
  const rows = page.getByTestId("policy-row");
  await expect(rows.filter({ hasText: "large-merges-need-review" }).getByTestId("policy-when")).toHaveText("metadata.files > 50");
  await expect(rows.filter({ hasText: "prs-may-open" }).getByTestId("policy-when")).toHaveText("always");
  const budgeted = rows.filter({ hasText: "model-calls" }).getByTestId("policy-when");
  await expect(budgeted).toContainText("always");
  await expect(budgeted).toContainText("budget: $10.00 or 1,000,000 tokens per agent-day, then deny");
});
