import { applyPolicies } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import { Gatehouse, type ActionResult } from "../packages/sdk/src/index.ts";
import { expect, openSignedIn, test } from "./fixtures";

// A standing grant from the console, end to end (docs/approvals.md, Standing grants): an operator answers
// a waiting deploy with "Grant instead", the waiting gate() returns, the agent's next matching deploy runs
// at once naming the grant, a deploy of another service still waits; revoked in the Standing grants list,
// the next matching deploy waits for a person again.

test("grant instead of approving once, then revoke", async ({ page, stack }) => {
  const org = await createTestOrg({ label: "e2e-grants" });
  await applyPolicies({
    ctx: org.ctx,
    input: { policies: [{ name: "deploys-need-a-person", actions: ["deploy.prod"], effect: "require_approval", approval: { timeoutSeconds: 600 } }] },
  });
  const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: stack.apiUrl });
  let requested: (result: ActionResult) => void = () => {};
  const asked = new Promise<ActionResult>((resolve) => (requested = resolve));
  const gated = agent.gate("deploy.prod", { metadata: { service: "payments", build: 41 }, onRequested: (r) => requested(r) });
  const { approvalId } = await asked;

  await openSignedIn(page, `/o/${org.org.slug}/approvals`, { email: org.owner.email, password: org.owner.password });
  await page.getByRole("main").locator(`[data-testid="approval-row"][data-approval-id="${approvalId}"]`).click();
  const detail = page.getByTestId("approval-detail");
  await detail.getByRole("button", { name: "Grant instead…" }).click();
  const form = detail.getByRole("form", { name: "Standing grant" });
  await form.getByLabel("For (minutes)").fill("30");
  await form.getByLabel("At most (calls)").fill("3");
  // Only the service must match: untick the build number.
  await form.getByRole("checkbox", { name: /build = 41/ }).uncheck();
  await form.getByRole("button", { name: "Approve and grant" }).click();
  expect((await gated).status).toBe("executed");

  const next = await agent.execute("deploy.prod", { metadata: { service: "payments", build: 42 } });
  expect(next.status).toBe("executed");
  expect(next.grant?.usesLeft).toBe(2);
  expect((await agent.execute("deploy.prod", { metadata: { service: "search", build: 1 } })).status).toBe("requested");

  const row = page.getByRole("main").getByTestId("grant-row").filter({ hasText: "deploy.prod" });
  await expect(row).toContainText("1 of 3 calls used");
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("main").getByTestId("grant-row")).toHaveCount(0);
  expect((await agent.execute("deploy.prod", { metadata: { service: "payments", build: 43 } })).status).toBe("requested");
});
