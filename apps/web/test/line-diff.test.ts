import { describe, expect, it } from "vitest";
import { diffStats, lineDiff, MAX_DIFF_CELLS } from "../src/lib/line-diff";

const render = (before: string, after: string) => lineDiff(before, after).map((l) => `${l.kind === "added" ? "+" : l.kind === "removed" ? "-" : " "}${l.text}`);

describe("lineDiff", () => {
  it("marks a changed line as removed then added and keeps the rest", () => {
    expect(render("name: a\neffect: deny\nmode: enforce\n", "name: a\neffect: allow\nmode: enforce\n")).toEqual([" name: a", "-effect: deny", "+effect: allow", " mode: enforce"]);
  });

  it("keeps the longest common run of lines, not just a common prefix", () => {
    const before = "a\nb\nc\nd\ne";
    const after = "x\nb\nc\nd\ny";
    expect(render(before, after)).toEqual(["-a", "+x", " b", " c", " d", "-e", "+y"]);
  });

  it("numbers lines on each side so a reader can find them", () => {
    const lines = lineDiff("a\nb\n", "a\nnew\nb\n");
    expect(lines).toEqual([
      { kind: "same", text: "a", oldLine: 1, newLine: 1 },
      { kind: "added", text: "new", oldLine: null, newLine: 2 },
      { kind: "same", text: "b", oldLine: 2, newLine: 3 },
    ]);
  });

  it("diffs against nothing: all added, or all removed", () => {
    expect(render("", "a\nb")).toEqual(["+a", "+b"]);
    expect(render("a\nb", "")).toEqual(["-a", "-b"]);
    expect(lineDiff("", "")).toEqual([]);
  });

  it("shows identical documents as unchanged", () => {
    const text = "policies:\n  - name: x\n";
    expect(diffStats(lineDiff(text, text))).toEqual({ added: 0, removed: 0 });
  });

  it("counts what was added and removed", () => {
    expect(diffStats(lineDiff("a\nb\nc", "a\nc\nd\ne"))).toEqual({ added: 2, removed: 1 });
  });

  it("falls back to a whole replacement past the size cap instead of building a huge table", () => {
    const side = Math.ceil(Math.sqrt(MAX_DIFF_CELLS));
    const before = Array.from({ length: side }, (_, i) => `line ${i}`).join("\n");
    const after = `${before}\nextra`;
    const lines = lineDiff(before, after);
    expect(diffStats(lines)).toEqual({ added: side + 1, removed: side });
  });
});
