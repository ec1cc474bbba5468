import { randomBytes } from "node:crypto";
import { db } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import { expect, openSignedIn, test } from "./fixtures";

// Issue 46, part 4, in the console (docs/content-detectors.md, "An org's own detectors"): an owner adds a
// detector of their own in Settings — refused, with the reason, while its pattern is not linear-time;
// tried on samples, showing the hits; saved — and the next call's metadata holding its pattern is redacted,
// the finding naming the detector.

const POLICIES = [{ name: "tickets", actions: ["ticket.*"], effect: "allow" }];

test("an owner adds a detector in Settings (a non-linear pattern refused with its reason, samples tried first), and the next call's metadata finds it", async ({ page, stack }) => {
  const org = await createTestOrg({ label: "own-detectors", policies: POLICIES });
  await openSignedIn(page, `/o/${org.org.slug}/settings`, org.owner);
  await expect(page).toHaveURL(`/o/${org.org.slug}/settings`);

  const section = page.getByRole("region", { name: "Your own detectors" });
  await expect(section).toContainText("No detectors of your own yet.");
  await section.getByLabel("Name").fill("acme_ticket");
  await section.getByLabel("Pattern (RE2)").fill("ACME-([0-9])\\1{7}");
  await section.getByLabel(/^Samples to test on/).fill("escalate ACME-12345678 today\nnothing here");

  // A backreference: refused, saying why; nothing saved.
  await section.getByRole("button", { name: "Add detector" }).click();
  await expect(section.getByRole("alert")).toContainText("Pattern is not linear-time: RE2 refuses it");
  expect(await db().contentDetector.count({ where: { orgId: org.org.id } })).toBe(0);

  // A linear-time pattern, tried on the samples first: the hits, and nothing saved yet.
  await section.getByLabel("Pattern (RE2)").fill("ACME-[0-9]{8}");
  await section.getByRole("button", { name: "Test against samples" }).click();
  const results = section.getByRole("list", { name: "Test results" });
  await expect(results).toContainText("escalate ACME-12345678 today → 1 hit: ACME-12345678");
  await expect(results).toContainText("nothing here → no hit");
  expect(await db().contentDetector.count({ where: { orgId: org.org.id } })).toBe(0);

  await section.getByRole("button", { name: "Add detector" }).click();
  await expect(section.getByRole("status")).toHaveText("Saved acme_ticket. From the next call, the screen looks for it.");
  await expect(section.getByRole("list", { name: "Your detectors" })).toContainText("acme_ticket");

  // The next call: its metadata's ticket reference is redacted (secrets' default), the finding naming the detector.
  const reference = `ACME-${Array.from(randomBytes(8), (b) => String(b % 10)).join("")}`;
  const response = await fetch(`${stack.apiUrl}/v1/actions`, {
    method: "POST",
    headers: { authorization: `Bearer ${org.agent.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ actionType: "ticket.read", metadata: { note: `see ${reference}` } }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(JSON.parse(text)).toMatchObject({ status: "executed", findings: [{ detector: "acme_ticket", class: "secrets", path: "metadata.note", action: "redacted" }] });
  expect(text).not.toContain(reference);
});
