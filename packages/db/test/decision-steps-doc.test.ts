import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTRIBUTORS } from "../src/decisions/commit-contributors";

// docs/architecture.md §2 names the decision's steps in the group commit: every registered contributor
// (commit-contributors.ts), in the order their checks run, and no step the code does not have. A
// contributor added without its sentence in the map, or a map naming one that is gone, fails here.

const doc = readFileSync(new URL("../../../docs/architecture.md", import.meta.url), "utf8");
const decision = doc.slice(doc.indexOf("**A decision**"), doc.indexOf("**A gate**"));
const listed = /`decisions\/commit-contributors\.ts`: ([^)]*)\)/.exec(decision.replace(/\n/g, " "))?.[1] ?? "";

describe("the map's decision steps are the code's", () => {
  it("names every contributor of the group commit, in the order their checks run", () => {
    expect(listed, "the contributors' list in §2").not.toBe("");
    const positions = CONTRIBUTORS.map((c) => listed.indexOf(c.name));
    for (const [i, c] of CONTRIBUTORS.entries()) expect(positions[i], `'${c.name}' in docs/architecture.md §2`).toBeGreaterThanOrEqual(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it("names the one plan and the one precedence every verb answers from", () => {
    for (const name of ["planDecision", "firstDenial", "precedence", "decision-inputs.ts"]) expect(decision).toContain(name);
  });
});
