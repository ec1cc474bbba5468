import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createTestOrg } from "@gatehouse/db/testing";
import { main } from "../packages/cli/src/cli.ts";
import { expect, signIn, test } from "./fixtures";

// `gatehouse login --web` as a new user runs it (issue 44): the CLI prints a code and the console's page; the member
// opens it signed out, signs in, sees what asked (the device, its address: issue 62), types the code (an owner: the
// link does not fill it in for them), confirms; the CLI saves a key of theirs and the next command uses it.

test("the CLI signs in from the console: device and address shown, the owner types the code, key saved and working", async ({ page, stack }) => {
  const org = await createTestOrg({ label: "e2e-cli-login" });
  const home = mkdtempSync(join(tmpdir(), "gatehouse-e2e-cli-"));
  try {
    let out = "";
    let printed: (path: string) => void = () => {};
    const shown = new Promise<string>((resolve) => (printed = resolve));
    const cli = (argv: string[]) =>
      main({
        argv,
        env: { XDG_CONFIG_HOME: home, GATEHOUSE_BASE_URL: stack.apiUrl },
        fetch: (input, init) => fetch(input, init),
        stdout: (text) => {
          out += text;
          const url = /Open (\S+)/.exec(out)?.[1];
          if (url) printed(new URL(url).pathname + new URL(url).search);
        },
        stderr: (text) => void (out += text),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 250))),
      });
    const login = cli(["login", "--web"]);
    const path = await shown;
    const code = /code=([A-Z]{4}-[A-Z]{4})/.exec(path)?.[1] ?? "";
    expect(out).toContain(`confirm the code ${code}`);

    // Signed out: the console sends the member to sign in, and back to the code.
    await page.goto(path);
    await signIn(page, { email: org.owner.email, password: org.owner.password });
    await expect(page.getByRole("heading", { name: "Sign the CLI in" })).toBeVisible();
    const details = page.getByTestId("cli-login-details");
    await expect(details).toContainText(hostname());
    await expect(details).toContainText(/127\.0\.0\.1|::1/);
    await page.getByLabel("Organization").selectOption({ label: org.org.name });
    // An owner of the org chosen: the link's code is not filled in; they type what their terminal shows.
    const typed = page.getByLabel("Code shown in your terminal");
    await expect(typed).toHaveValue("");
    await typed.fill(code.toLowerCase());
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByRole("status")).toContainText(`Confirmed: the CLI is signing in to ${org.org.name} as you.`);

    expect(await login, out).toBe(0);
    expect(out).toContain(`Logged in to ${org.org.name} (${org.org.slug})`);
    const saved = JSON.parse(readFileSync(join(home, "gatehouse", "credentials.json"), "utf8")) as { apiKey: string };
    expect(out).not.toContain(saved.apiKey);
    out = "";
    expect(await cli(["members", "list"]), out).toBe(0);
    expect(out).toContain(org.owner.email);

    // The code is used up: opening it again says so, and confirms nothing.
    await page.goto(path);
    await expect(page.getByText("This code is not valid, was already used, or expired")).toBeVisible();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
