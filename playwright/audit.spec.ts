import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { hashPassword, newId } from "@gatehouse/core";
import { db, disconnectDb } from "@gatehouse/db";
import { Gatehouse } from "../packages/sdk/src/index.ts";
import type { Page } from "@playwright/test";
import { expect, openSignedIn, test } from "./fixtures";
import type { E2EStack } from "./stack";

// Journeys of the Audit explorer: an entry's inclusion proof checked by the browser itself, the
// whole log verified with progress, a verifiable export, key rotation, and the auditor role, which
// sees the audit log and nothing else.

const SIGNED_NOTE = /^gatehouse\/org_\w+\n\d+\n[A-Za-z0-9+/]{43}=\n\n— gatehouse\/org_\w+ [A-Za-z0-9+/]+={0,2}\n$/;

test.afterAll(async () => {
  await disconnectDb();
});

/** A decision by the org's agent, so the log has a fresh entry to look at. */
async function decide(stack: E2EStack, pr: number): Promise<string> {
  const gatehouse = new Gatehouse({ apiKey: stack.agent.apiKey, baseUrl: stack.apiUrl });
  const result = await gatehouse.execute("pr.open", { metadata: { repo: "acme/web", pr } });
  expect(result.status).toBe("executed");
  return result.auditEventId;
}

async function openAudit(page: Page, stack: E2EStack, credentials: { email: string; password: string }) {
  await openSignedIn(page, `/o/${stack.org.slug}/audit`, credentials);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/audit`);
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
}

/**
 * A member of the journey's org with `role` and a password, written straight to the database the
 * stack runs on (global-setup.ts hands its URL to the workers as DATABASE_URL).
 */
async function addMember(stack: E2EStack, role: "auditor"): Promise<{ email: string; password: string }> {
  const org = await db().org.findUniqueOrThrow({ where: { slug: stack.org.slug } });
  const suffix = randomBytes(4).toString("hex");
  const email = `${role}-${suffix}@example.test`;
  const password = `pw-${randomBytes(12).toString("hex")}`;
  const user = await db().user.create({
    data: { id: newId("user"), email, name: `${role} ${suffix}`, passwordHash: await hashPassword(password) },
  });
  await db().membership.create({ data: { id: newId("membership"), orgId: org.id, userId: user.id, role } });
  return { email, password };
}

test("an entry's inclusion proof verifies in the browser, Verify chain says valid, and a JSONL export downloads", async ({ page, stack }) => {
  const entryId = await decide(stack, 301);
  await openAudit(page, stack, stack.member);

  const row = page.getByRole("main").locator(`[data-testid="audit-row"][data-entry-id="${entryId}"]`);
  await expect(row).toBeVisible();
  const seq = Number(await row.getAttribute("data-seq"));
  await row.getByRole("button", { name: /^Details/ }).click();

  const detail = page.getByTestId("entry-detail");
  await expect(detail).toHaveAttribute("data-entry-id", entryId);
  const proof = detail.getByTestId("inclusion-proof");
  await expect(proof.getByRole("heading", { name: "Inclusion proof" })).toBeVisible();
  const verdict = proof.getByTestId("inclusion-verdict");
  await expect(verdict).toHaveAttribute("data-valid", "true");
  await expect(verdict).toContainText("Verified in your browser");
  for (const step of ["Leaf", "Audit path", "Checkpoint", "Signature"]) {
    await expect(verdict.getByRole("listitem").filter({ hasText: `${step} passed` })).toHaveCount(1);
  }
  expect(Number(await proof.getByTestId("proof-tree-size").textContent())).toBeGreaterThan(seq);
  // The signed note: origin, tree size, base64 root, a blank line, the signature.
  expect(await proof.getByTestId("checkpoint-note").textContent()).toMatch(SIGNED_NOTE);

  // The whole log, recomputed on the server, with its progress streamed to the page.
  await page.getByRole("tab", { name: "Verify" }).click();
  await expect(page).toHaveURL(`/o/${stack.org.slug}/audit?tab=verify`);
  await page.getByRole("button", { name: "Verify chain" }).click();
  const result = page.getByTestId("verify-result");
  await expect(result).toHaveAttribute("data-valid", "true", { timeout: 30_000 });
  await expect(result).toContainText("The log is valid");
  expect(Number(await result.getByTestId("verify-tree-size").textContent())).toBeGreaterThan(seq);

  // The bundle an auditor takes away: keys, entries with their canonical text, signed checkpoints.
  await page.getByRole("tab", { name: "Export" }).click();
  await expect(page.getByText("gatehouse verify <file> --key gatehouse/org_")).toBeVisible();
  await expect(page.getByTestId("export-contents")).toHaveText("Every entry and every signed checkpoint, with the verifier keys.");
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download JSONL" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(new RegExp(`^gatehouse-audit-${stack.org.slug}-\\d+-.+\\.jsonl$`));
  const lines = (await readFile(await download.path(), "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: string; seq?: number; canonical?: string; leafHash?: string; note?: string; vkey?: string });
  const entries = lines.filter((line) => line.type === "entry");
  const checkpoints = lines.filter((line) => line.type === "checkpoint");
  expect(lines[0]?.type).toBe("bundle");
  expect(lines.filter((line) => line.type === "key").length).toBeGreaterThanOrEqual(1);
  expect(checkpoints.length).toBeGreaterThanOrEqual(1);
  expect(checkpoints.every((line) => SIGNED_NOTE.test(line.note ?? ""))).toBe(true);
  expect(entries.map((line) => line.seq)).toEqual(entries.map((_, i) => i));
  const mine = entries.find((line) => line.seq === seq);
  expect(mine?.canonical).toContain(entryId);
  expect(mine?.leafHash).toMatch(/^[0-9a-f]{64}$/);
  // The page says what it saved.
  const count = entries.length.toLocaleString("en-US");
  await expect(page.getByTestId("export-confirmation")).toHaveText(
    new RegExp(`^Downloaded ${count} entries \\([\\d.]+ (B|KB|MB)\\) as ${download.suggestedFilename().replaceAll(".", "\\.")}$`),
  );
  // A CSV holds entries only, and says so.
  await page.getByLabel(/^CSV/).check();
  await expect(page.getByTestId("export-contents")).toContainText("No proofs and no checkpoints");
});

test("checkpoints list their signed notes; an owner rotates the key (with a confirm step) and the log still verifies", async ({ page, stack }) => {
  await decide(stack, 302);
  await openSignedIn(page, `/o/${stack.org.slug}/audit?tab=checkpoints`, stack.member);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/audit?tab=checkpoints`);
  await expect(page.getByRole("tab", { name: "Checkpoints" })).toHaveAttribute("aria-selected", "true");

  const first = page.getByTestId("checkpoint-row").first();
  await expect(first).toBeVisible();
  const size = await first.getAttribute("data-tree-size");
  await first.getByRole("button", { name: `Show note of checkpoint ${size}` }).click();
  const note = page.locator(`#checkpoint-${size}`).getByTestId("checkpoint-note");
  await expect(note).toBeVisible();
  expect(await note.textContent()).toMatch(SIGNED_NOTE);
  expect((await note.textContent())?.split("\n")[1]).toBe(size);
  await expect(first.getByRole("button", { name: `Download note of checkpoint ${size}` })).toBeVisible();

  // Keyboard: the arrow keys walk the tabs.
  await page.getByRole("tab", { name: "Checkpoints" }).focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Reports" })).toBeFocused();
  await page.keyboard.press("ArrowRight");
  const keysTab = page.getByRole("tab", { name: "Keys" });
  await expect(keysTab).toBeFocused();
  await expect(keysTab).toHaveAttribute("aria-selected", "true");

  const keys = page.getByTestId("signing-key");
  await expect(page.locator('[data-testid="signing-key"][data-status="active"]')).toHaveCount(1);
  const before = await keys.count();
  await page.getByRole("button", { name: "Rotate signing key…" }).click();
  const confirm = page.getByRole("button", { name: "Rotate key", exact: true });
  await expect(confirm).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  await expect(keys).toHaveCount(before);

  await page.getByRole("button", { name: "Rotate signing key…" }).click();
  await page.getByRole("button", { name: "Rotate key", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Rotated." })).toBeVisible();
  await expect(keys).toHaveCount(before + 1);
  await expect(page.locator('[data-testid="signing-key"][data-status="active"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="signing-key"][data-status="retired"]')).toHaveCount(before);

  // Checkpoints signed by the retired key still verify, and new ones carry the new key's signature.
  await page.getByRole("tab", { name: "Verify" }).click();
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByTestId("verify-result")).toHaveAttribute("data-valid", "true", { timeout: 30_000 });

  // Offline, a full bundle now needs the retired key too: the Export section hands out all of them.
  await page.getByRole("tab", { name: "Export" }).click();
  const keysFile = `gatehouse-${stack.org.slug}-keys.txt`;
  await expect(page.getByText(`gatehouse verify <file> --key @${keysFile}`)).toBeVisible();
  const downloadingKeys = page.waitForEvent("download");
  await page.getByRole("button", { name: `Download ${keysFile}` }).click();
  const keysDownload = await downloadingKeys;
  expect(keysDownload.suggestedFilename()).toBe(keysFile);
  const vkeys = (await readFile(await keysDownload.path(), "utf8")).trim().split("\n");
  expect(vkeys).toHaveLength(before + 1);
  expect(vkeys.every((vkey) => /^gatehouse\/org_\w+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/.test(vkey))).toBe(true);

  const entryId = await decide(stack, 303);
  await page.getByRole("tab", { name: "Entries" }).click();
  await page.getByRole("button", { name: "Refresh" }).click();
  const row = page.getByRole("main").locator(`[data-testid="audit-row"][data-entry-id="${entryId}"]`);
  await row.getByRole("button", { name: /^Details/ }).click();
  await expect(page.getByTestId("inclusion-verdict")).toHaveAttribute("data-valid", "true");
});

test("an auditor sees the audit log but not the approval queue, and cannot rotate the key", async ({ page, stack }) => {
  const auditor = await addMember(stack, "auditor");
  await openSignedIn(page, "/", auditor);
  // Sign-in lands on the org home (the overview); the audit log is one click away.
  await expect(page).toHaveURL(`/o/${stack.org.slug}`);
  await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(`/o/${stack.org.slug}/audit`);
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();

  const nav = page.getByRole("navigation", { name: "Organization" });
  await expect(nav.getByRole("link", { name: "Audit" })).toBeVisible();
  await expect(nav.getByRole("link", { name: /Approvals/ })).toHaveCount(0);

  // The inbox does not render for an auditor, whatever the link: the page sends them to the audit log.
  await page.goto(`/o/${stack.org.slug}/approvals`);
  await expect(page).toHaveURL(`/o/${stack.org.slug}/audit`);
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Approvals" })).toHaveCount(0);
  expect((await page.request.get(`/api/orgs/${stack.org.slug}/approvals`)).status()).toBe(403);

  // Everything of the audit log is theirs to read and check; rotating the key is not.
  await page.getByRole("tab", { name: "Keys" }).click();
  await expect(page.locator('[data-testid="signing-key"][data-status="active"]')).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Rotate signing key…" })).toHaveCount(0);
  const rotate = await page.request.post(`/api/orgs/${stack.org.slug}/audit/keys/rotate`, { headers: { origin: stack.webUrl } });
  expect(rotate.status()).toBe(403);
  expect(((await rotate.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");

  await page.getByRole("tab", { name: "Entries" }).click();
  await page
    .getByTestId("audit-row")
    .first()
    .getByRole("button", { name: /^Details/ })
    .click();
  await expect(page.getByTestId("inclusion-verdict")).toHaveAttribute("data-valid", "true");
});

test("an auditor produces the Article 12 report: its figures, the printable page in a tab, and the report recorded in the log", async ({ page, stack }, testInfo) => {
  const decided = [await decide(stack, 311), await decide(stack, 312)];
  const auditor = await addMember(stack, "auditor");
  await openAudit(page, stack, auditor);
  await page.getByRole("tab", { name: "Reports" }).click();
  await expect(page.getByRole("heading", { name: "Article 12 evidence report" })).toBeVisible();

  // A backwards period is named before anything is asked.
  const to = page.getByLabel("To (your local time)");
  const before = await to.inputValue();
  await to.fill("2020-01-01T00:00");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("“From” must be before “To”.");
  await expect(page.getByTestId("report-produce")).toBeDisabled();
  await to.fill(before);

  const answered = page.waitForResponse((r) => r.url().endsWith("/audit/reports/article12") && r.request().method() === "POST");
  await page.getByTestId("report-produce").click();
  const report = (await (await answered).json()) as { decisions: { total: number; executed: number }; integrity: { checkpoint: { treeSize: number; rootHash: string } } };
  expect(report.decisions.executed).toBeGreaterThanOrEqual(decided.length);
  const summary = page.getByTestId("report-summary");
  await expect(summary).toContainText(`Decisions${report.decisions.total.toLocaleString("en-US")}:`);
  await expect(summary).toContainText(`tree size ${report.integrity.checkpoint.treeSize.toLocaleString("en-US")}`);

  // The printable page opens in a tab of its own: the statement first, every section, the checkpoint's root.
  const opened = page.context().waitForEvent("page");
  await page.getByTestId("report-open").click();
  const printable = await opened;
  await printable.waitForLoadState();
  await expect(printable.getByRole("heading", { name: "Article 12 evidence report", level: 1 })).toBeVisible();
  await expect(printable.getByRole("note")).toContainText("Evidence, not a claim of compliance.");
  for (const section of ["Agents", "Decisions", "Human oversight", "Policies in force", "Incidents", "Log integrity", "Retention", "Coverage"]) {
    await expect(printable.getByRole("heading", { name: section, level: 2 })).toBeVisible();
  }
  await expect(printable.locator("body")).toContainText(report.integrity.checkpoint.rootHash);
  await printable.emulateMedia({ media: "print" });
  const shot = testInfo.outputPath("article12-report-printable.png");
  await printable.screenshot({ path: shot, fullPage: true });
  await testInfo.attach("article12-report-printable", { path: shot, contentType: "image/png" });
  await printable.close();

  // Producing it is itself in the log: who (the auditor) and which checkpoint.
  const org = await db().org.findUniqueOrThrow({ where: { slug: stack.org.slug } });
  const recorded = await db().auditEntry.findMany({ where: { orgId: org.id, type: "audit.report_generated" }, orderBy: { seq: "desc" }, take: 1 });
  expect(JSON.parse(recorded[0]?.canonical ?? "{}")).toMatchObject({ actor: { type: "member" }, data: { report: "article12", treeSize: report.integrity.checkpoint.treeSize } });
});

test("the audit API checks session, org and input", async ({ page, stack }) => {
  const base = `/api/orgs/${stack.org.slug}/audit`;
  for (const path of ["/proof?seq=0", "/checkpoints", "/keys", "/export"]) {
    expect((await page.request.get(`${base}${path}`)).status(), path).toBe(401);
  }
  // The console's own pages send their Origin with every write (the proxy refuses a write without it).
  const sameOrigin = { headers: { origin: stack.webUrl } };
  expect((await page.request.post(`${base}/verify`, sameOrigin)).status()).toBe(401);

  await openAudit(page, stack, stack.member);
  const foreign = `/api/orgs/${stack.otherOrg.slug}/audit`;
  for (const path of ["/proof?seq=0", "/checkpoints", "/keys", "/export"]) {
    expect((await page.request.get(`${foreign}${path}`)).status(), path).toBe(404);
  }
  expect((await page.request.post(`${foreign}/verify`, sameOrigin)).status()).toBe(404);

  const badProof = await page.request.get(`${base}/proof?entryId=nope`);
  expect(badProof.status()).toBe(400);
  expect(((await badProof.json()) as { error: { message: string } }).error.message).toContain("entryId");
  expect((await page.request.get(`${base}/proof?entryId=aud_0000000000000000000000`)).status()).toBe(404);
  expect((await page.request.get(`${base}/export?format=xml`)).status()).toBe(400);
  expect((await page.request.get(`${base}/checkpoints?limit=1000`)).status()).toBe(400);

  const csv = await page.request.get(`${base}/export?format=csv`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-disposition"]).toMatch(/^attachment; filename="gatehouse-audit-.+\.csv"$/);
  expect((await csv.text()).split("\r\n")[0]).toBe("seq,time,type,actor_type,actor_id,agent_id,subject_id,leaf_hash,data");

  // A form post cannot rotate the key, even from the console's own origin: only JSON is accepted.
  const form = await page.request.post(`${base}/keys/rotate`, { ...sameOrigin, form: { x: "1" } });
  expect(form.status()).toBe(400);
});

test("at 1280 px the table fits with an entry's details open; it filters by action type and time range", async ({ page, stack }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const entryId = await decide(stack, 401);
  await openAudit(page, stack, stack.member);

  // The details hold long hashes and the signed note: they wrap or scroll inside, the page does not widen.
  const row = page.getByRole("main").locator(`[data-testid="audit-row"][data-entry-id="${entryId}"]`);
  await row.getByRole("button", { name: /^Details/ }).click();
  await expect(page.getByTestId("checkpoint-note")).toBeVisible();
  const widths = await page.evaluate(() => {
    const table = document.querySelector('[data-testid="audit-row"]')?.closest("table")?.parentElement;
    return {
      page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
      table: [table?.scrollWidth ?? Infinity, table?.clientWidth ?? 0],
    };
  });
  expect(widths.page[0], "page scrollWidth ≤ clientWidth").toBeLessThanOrEqual(widths.page[1] ?? 0);
  expect(widths.table[0], "table scrollWidth ≤ clientWidth").toBeLessThanOrEqual(widths.table[1] ?? 0);
  await expect(row.getByRole("button", { name: /^Hide/ })).toBeInViewport();

  // Action type: matched exactly, `%` and `_` are text.
  const actionType = page.getByLabel("Action type");
  await actionType.fill("pr.open");
  await expect(page).toHaveURL(/actionType=pr\.open/);
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  await expect.poll(async () => [...new Set(await page.getByTestId("action-type").allTextContents())]).toEqual(["pr.open"]);
  await actionType.fill("pr.%");
  await expect(page.getByRole("heading", { name: "No entries match these filters" })).toBeVisible();
  await actionType.fill("pr.open");
  await expect(row).toBeVisible();

  // Time range, in UTC: from a minute ahead shows nothing, from an hour ago shows the entry; the URL keeps it.
  const input = (at: number) => new Date(at).toISOString().slice(0, 16);
  await page.getByLabel("From (UTC)").fill(input(Date.now() + 120_000));
  await expect(page.getByRole("heading", { name: "No entries match these filters" })).toBeVisible();
  await page.getByLabel("From (UTC)").fill(input(Date.now() - 3_600_000));
  await expect(row).toBeVisible();
  await expect(page).toHaveURL(/from=/);
  await page.reload();
  // In the main region: while a reloaded page streams, its server copy may still sit hidden beside it (approvals.spec.ts).
  const main = page.getByRole("main");
  await expect(main.getByLabel("Action type")).toHaveValue("pr.open");
  await expect(main.getByLabel("From (UTC)")).not.toHaveValue("");
  await expect(row).toBeVisible();
  await main.getByRole("button", { name: "Clear filters" }).click();
  await expect(main.getByLabel("From (UTC)")).toHaveValue("");
});
