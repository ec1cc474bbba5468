import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MODEL_PRICES, modelMetricLabel } from "../src";

// A model name as a metric label (issue 62, point 8; docs/metrics.md): the built-in price table's model it stands for,
// any other as `other`. Agents name models themselves, so whatever they send, and whatever an org prices, the labels
// stay the table's models and `other`.

const CLOSED_SET = new Set([...MODEL_PRICES.map((p) => p.model), "other"]);

describe("modelMetricLabel", () => {
  it.each([
    ["gpt-4o", "gpt-4o"],
    ["  OpenAI/GPT-4o:latest ", "gpt-4o"],
    ["x7/gpt-4o", "gpt-4o"],
    ["gpt-4o-2024-08-06", "gpt-4o"],
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
    ["models/gemini-2.5-pro", "gemini-2.5-pro"],
    ["made-up-model-17", "other"],
    ["my-org-fine-tune", "other"],
    ["other", "other"],
    ["*", "other"],
  ])("%j is labelled %j", (name, label) => {
    expect(modelMetricLabel(name)).toBe(label);
  });

  it("a model an org prices itself (an override, or `*`) is still other: prices are per org, labels are not", () => {
    expect(modelMetricLabel("acme-model")).toBe("other");
  });

  it("any name, of any characters, gets a label of the closed set", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 220 }),
          fc
            .constantFrom(...MODEL_PRICES.map((p) => p.model))
            .chain((m) => fc.tuple(fc.string({ maxLength: 20 }), fc.constant(m), fc.string({ maxLength: 20 })).map(([a, b, c]) => `${a}${b}${c}`)),
        ),
        (name) => {
          expect(CLOSED_SET.has(modelMetricLabel(name))).toBe(true);
        },
      ),
      { seed: 62, numRuns: 3000 },
    );
  });
});
