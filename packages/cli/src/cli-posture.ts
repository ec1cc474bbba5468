/** `gatehouse posture`: the org's posture score, its components and what to fix, with any key of the org. */
import type { Posture } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, table } from "./cli-common.ts";
import { defineCommand, type CommandGroup } from "./command.ts";

export const POSTURE_HELP = `Usage: gatehouse posture [--json]

Prints the org's posture score (0-100): four components of 25 points (policy coverage, human
oversight, identity and access, audit integrity), and every finding that took points off, with
what was measured and how to fix it. Measured over the last 30 days; the formulas are in
docs/posture.md. Takes an org admin key or an agent's key.

Options:
  --json    Print the answer as JSON
`;

const COMPONENTS: ReadonlyArray<[keyof Posture["components"], string]> = [
  ["policyCoverage", "Policy coverage"],
  ["humanOversight", "Human oversight"],
  ["identityAccess", "Identity and access"],
  ["auditIntegrity", "Audit integrity"],
];

/** The posture as a person reads it: the score, a table of components, then each finding with its fix. */
export function formatPosture(posture: Posture): string {
  const lines = [`Posture: ${posture.score}/100 (last ${posture.windowDays} days, computed ${shortTime(posture.computedAt)})`, ""];
  lines.push(
    table(
      ["COMPONENT", "SCORE", "FINDINGS"],
      COMPONENTS.map(([key, label]) => {
        const c = posture.components[key];
        return [label, `${c.score}/${c.max}`, String(c.findings.length)];
      }),
    ).trimEnd(),
  );
  const findings = COMPONENTS.flatMap(([key]) => posture.components[key].findings);
  lines.push("");
  if (findings.length === 0) {
    lines.push("No findings.");
  } else {
    lines.push("Findings:");
    for (const f of findings) {
      lines.push(`  -${f.points}  ${f.severity.padEnd(8)}  ${f.id}`, `      ${f.message}`, `      Fix: ${f.fix} (console: ${f.href})`);
    }
  }
  // A server before retention sends none.
  const retention = posture.retention as Posture["retention"] | undefined;
  if (retention) {
    const swept = retention.lastSweepAt === null ? "" : ` Last sweep ${shortTime(retention.lastSweepAt)}; ${retention.entriesSwept} entries erased in the window.`;
    lines.push("", `Retention: ${retention.rule}${swept}`);
  }
  return `${lines.join("\n")}\n`;
}

const posture = defineCommand({
  name: "",
  synopsis: "[--json]",
  summary: "Print the org's posture score, its components and the findings to fix",
  options: { json: { type: "boolean" } },
  connection: "any",
  help: POSTURE_HELP,
  async run(io, args, options) {
    noMore(args);
    const answer = await io.client().posture({ signal: io.signal });
    if (options.json) return printJson(io.stdout, answer);
    io.stdout(formatPosture(answer));
    return EXIT_OK;
  },
});

export const postureGroup: CommandGroup = { name: "posture", commands: [posture] };
