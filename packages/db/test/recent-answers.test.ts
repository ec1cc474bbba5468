import { describe, expect, it } from "vitest";
import { RecentAnswers } from "../src/decisions/recent-answers";

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe("RecentAnswers (the per-process cache of answers a retry reads)", () => {
  it("answers an entry for at least one generation after it was written, and drops it after two", () => {
    const time = clock();
    const answers = new RecentAnswers<string>({ capacity: 100, maxAgeMs: 60_000, now: time.now });
    answers.set("agt_1\u0000evt-1", "first answer");
    time.advance(59_000);
    expect(answers.get("agt_1\u0000evt-1")).toBe("first answer");
    time.advance(2_000); // the generation rotates: the entry is now in the previous one
    expect(answers.get("agt_1\u0000evt-1")).toBe("first answer");
    time.advance(61_000); // and rotates again: gone
    expect(answers.get("agt_1\u0000evt-1")).toBeUndefined();
  });

  it("never holds more than its capacity, and does not drop everything at once when it fills", () => {
    const time = clock();
    const answers = new RecentAnswers<number>({ capacity: 1_000, maxAgeMs: 3_600_000, now: time.now });
    let lowest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 10_000; i += 1) {
      answers.set(`k${i}`, i);
      expect(answers.size).toBeLessThanOrEqual(1_000);
      if (i > 1_000) lowest = Math.min(lowest, answers.size);
    }
    // A single map cleared when full falls to zero; two generations keep at least half.
    expect(lowest).toBeGreaterThanOrEqual(500);
    expect(answers.get("k9999")).toBe(9999);
    expect(answers.get("k9000")).toBe(9000);
  });
});
