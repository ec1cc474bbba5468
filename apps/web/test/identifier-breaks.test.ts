import { describe, expect, it } from "vitest";
import { identifierBreaks } from "../src/lib/identifier-breaks";

describe("identifierBreaks: identifiers wrap after separators, never inside a word (the audit table showed `deploy.payment s`)", () => {
  it.each([
    ["deploy.payments", ["deploy.", "payments"]],
    ["approval.decided", ["approval.", "decided"]],
    ["tool.read_file", ["tool.", "read_", "file"]],
    ["mcp:github/create-issue", ["mcp:", "github/", "create-", "issue"]],
    ["plain", ["plain"]],
    ["", [""]],
  ])("%s", (text, pieces) => {
    expect(identifierBreaks(text)).toEqual(pieces);
    expect(identifierBreaks(text).join("")).toBe(text);
  });
});
