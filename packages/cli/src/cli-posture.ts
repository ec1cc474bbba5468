/** `gatehouse posture`: the org's posture score, its components and what to fix, with any key of the org. */
import type { Posture } from "@gatehouse/sdk";
import { EXIT_OK, shortTime, table, UsageError } from "./cli-common.ts";

export interface PostureCliIo {
  /** A client on the key given: an admin key or an agent's key (both may read the posture). */
  client: () => { posture: (options: { signal?: AbortSignal }) => Promise<Posture> };
  stdout: (text: string) => void;
  signal: AbortSignal | undefined;
  flags: ReadonlyMap<string, string | true>;
  allowOnly: (allowed: readonly string[], command: string) => void;
}

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
  return `${lines.join("\n")}\n`;
}

export async function runPosture(io: PostureCliIo, command: string | undefined): Promise<number> {
  if (io.flags.has("--help")) {
    io.stdout(POSTURE_HELP);
    return EXIT_OK;
  }
  io.allowOnly(["--json"], "posture");
  if (command !== undefined) throw new UsageError(`unexpected argument "${command}"`);
  const posture = await io.client().posture({ signal: io.signal });
  io.stdout(io.flags.has("--json") ? `${JSON.stringify(posture, null, 2)}\n` : formatPosture(posture));
  return EXIT_OK;
}
