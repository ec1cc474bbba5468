// Playwright runs on two workers (issue 63), and only the specs named in playwright/projects.ts run one at a time: a
// spec that acts as the seeded org's member or agent while another does would see the other's approvals, policies
// and log entries. So every spec that reads the seeded org from the stack must be named there.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SHARED_ORG_SPECS } from "../../../playwright/projects";

const PLAYWRIGHT = fileURLToPath(new URL("../../../playwright", import.meta.url));

/** Whether a spec's source reads the seeded org, its member or its agent from the stack (directly or destructured). */
export function usesSeededOrg(source: string): boolean {
  return /\b(?:stack|readStack\(\))\.(?:org|member|agent)\b/.test(source) || /\{[^}]*\b(?:org|member|agent)\b[^}]*\}\s*=\s*(?:stack|readStack\(\))/.test(source);
}

describe("Playwright's projects", () => {
  it("tells a spec that reads the seeded org from one that does not", () => {
    expect(usesSeededOrg("await signIn(page, stack.member);")).toBe(true);
    expect(usesSeededOrg("const { member, org } = readStack();")).toBe(true);
    expect(usesSeededOrg("await page.goto(`/o/${f.stack.org.slug}/agents`);")).toBe(true);
    expect(usesSeededOrg("await waitForMail(stack.mailDir, email, /Verify/); const { org } = await createTestOrg();")).toBe(false);
    expect(usesSeededOrg("stack.otherOrg.slug")).toBe(false);
  });

  it("runs every spec that reads the seeded org in the one-at-a-time project, and names only specs that exist", () => {
    const specs = readdirSync(PLAYWRIGHT).filter((file) => file.endsWith(".spec.ts"));
    const readers = specs.filter((file) => usesSeededOrg(readFileSync(join(PLAYWRIGHT, file), "utf8"))).map((file) => file.replace(/\.spec\.ts$/, ""));
    expect(readers.filter((name) => !SHARED_ORG_SPECS.includes(name))).toEqual([]);
    expect(SHARED_ORG_SPECS.filter((name) => !existsSync(join(PLAYWRIGHT, `${name}.spec.ts`)))).toEqual([]);
  });
});
