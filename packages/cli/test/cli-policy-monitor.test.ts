import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { ADMIN_KEY, apiError, json, runCli } from "./helpers.ts";

const monitor = {
  days: 3,
  series: [
    { at: "2026-11-20T00:00:00.000Z", wouldBlock: 0 },
    { at: "2026-11-21T00:00:00.000Z", wouldBlock: 2 },
    { at: "2026-11-22T00:00:00.000Z", wouldBlock: 5 },
  ],
  byPolicy: [
    { policy: "trial-no-push", decided: 0, wouldBlock: 4 },
    { policy: "(no policy)", decided: 0, wouldBlock: 3 },
    { policy: "allow-pr", decided: 12, wouldBlock: 0 },
  ],
};

describe("gatehouse policies monitor", () => {
  it("prints the would-be blocks per day and per policy, asking for --days", async () => {
    const run = await runCli(["policies", "monitor", "--days", "3"], [json(200, monitor)]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout).toBe(
      [
        "Would have blocked: 7 decisions over the last 3 days (UTC)",
        "",
        "DAY         WOULD BLOCK",
        "2026-11-20  0",
        "2026-11-21  2",
        "2026-11-22  5",
        "",
        "POLICY         DECIDED  WOULD BLOCK",
        "trial-no-push  0        4",
        "(no policy)    0        3",
        "allow-pr       12       0",
        "",
      ].join("\n"),
    );
    expect([run.calls[0]?.init.method, run.calls[0]?.url, run.calls[0]?.headers.get("authorization")]).toEqual([
      "GET",
      "https://gh.example.com/v1/admin/policies/monitor?days=3",
      `Bearer ${ADMIN_KEY}`,
    ]);
  });

  it("leaves the window to the server without --days; --json prints the answer as it came", async () => {
    const run = await runCli(["policies", "monitor", "--json"], [json(200, monitor)]);
    expect([run.code, run.calls[0]?.url]).toEqual([EXIT_OK, "https://gh.example.com/v1/admin/policies/monitor"]);
    expect(JSON.parse(run.stdout)).toEqual(monitor);
    const empty = await runCli(["policies", "monitor"], [json(200, { days: 1, series: [{ at: "2026-11-22T00:00:00.000Z", wouldBlock: 0 }], byPolicy: [] })]);
    expect(empty.stdout.endsWith("\nNo policy decided anything in this window.\n")).toBe(true);
  });

  it("a bad --days, an unknown flag or an argument is exit status 2 and calls nothing; a failed call is 1", async () => {
    for (const argv of [
      ["policies", "monitor", "--days", "0"],
      ["policies", "monitor", "--days", "91"],
      ["policies", "monitor", "--days", "7d"],
      ["policies", "monitor", "--format", "yaml"],
      ["policies", "monitor", "extra"],
    ]) {
      const run = await runCli(argv, []);
      expect([argv.join(" "), run.code, run.calls.length]).toEqual([argv.join(" "), EXIT_USAGE, 0]);
    }
    const failed = await runCli(["policies", "monitor"], [apiError(403, "FORBIDDEN")]);
    expect(failed.code).toBe(EXIT_FAILURE);
  });

  it("--help explains the view", async () => {
    const run = await runCli(["policies", "monitor", "--help"], []);
    expect([run.code, run.stdout.startsWith("Usage: gatehouse policies monitor [--days N] [--json]")]).toEqual([EXIT_OK, true]);
  });
});
