import { applyPolicies } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import { Gatehouse, type ActionResult } from "../packages/sdk/src/index.ts";
import { expect, signIn, test } from "./fixtures";
import { linkIn, waitForMail } from "./mail";

// An approval routed by email, end to end (docs/approvals.md, Email): the stack's worker mails the
// org's owner a link of their own. A mail scanner opens it with GET and HEAD, signed out: nothing is
// decided. The owner, signed in, sees the request and approves it; the agent's gate() returns at once.
// The link then decides nothing more.

test("an emailed link decides only when its member posts it, signed in; a scanner's GET and HEAD change nothing", async ({ page, stack, request }) => {
  const org = await createTestOrg({ label: "e2e-mail-approve" });
  await applyPolicies({
    ctx: org.ctx,
    input: {
      policies: [
        {
          name: "deploys-need-a-person",
          actions: ["deploy.prod"],
          effect: "require_approval",
          approval: { approverRoles: ["owner", "admin"], notify: { roles: ["owner"] }, timeoutSeconds: 600 },
        },
      ],
    },
  });
  const agent = new Gatehouse({ apiKey: org.agent.apiKey, baseUrl: stack.apiUrl });
  let requested: (result: ActionResult) => void = () => {};
  const asked = new Promise<ActionResult>((resolve) => (requested = resolve));
  const gated = agent.gate("deploy.prod", { metadata: { service: "payments", version: "2.4.1" }, onRequested: (r) => requested(r) });
  const { approvalId } = await asked;

  const mail = await waitForMail(stack.mailDir, org.owner.email, /^An agent is waiting for your approval$/);
  const href = linkIn(mail, /\/approve\/[A-Za-z0-9_-]{43}/);
  const path = new URL(href).pathname;

  // The scanner: GET and HEAD, no session, following nothing.
  for (const method of ["GET", "HEAD"] as const) {
    const answer = await request.fetch(`${stack.webUrl}${path}`, { method, maxRedirects: 0 });
    expect(answer.status(), method).toBeLessThan(400);
  }
  const status = async () => (await (await request.get(`${stack.apiUrl}/v1/approvals/${approvalId}`, { headers: { authorization: `Bearer ${org.agent.apiKey}` } })).json()).status;
  expect(await status()).toBe("pending");

  await page.goto(path);
  await signIn(page, { email: org.owner.email, password: org.owner.password });
  await expect(page).toHaveURL(path);
  await expect(page.getByRole("heading", { name: "Approve deploy.prod?" })).toBeVisible();
  await expect(page.getByTestId("approval-link-details")).toContainText("payments");
  // Reloading (another GET, signed in) decides nothing either.
  await page.reload();
  expect(await status()).toBe("pending");

  await page.getByLabel("Reason").fill("release checked");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("status")).toContainText("You approved it: the request is approved.");
  const result = await gated;
  expect(result.status).toBe("executed");

  // The link is used up: opening it again says so.
  await page.goto(path);
  await expect(page.getByText(`This request was already approved by ${org.owner.email}.`)).toBeVisible();
});
