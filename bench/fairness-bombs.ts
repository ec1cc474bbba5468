// The pattern bomb of `npm run bench:fairness`: the worst patterns the schemas accept, written into the
// heavy org's policies (bench/setup-fairness.ts) and a delegate's capabilities, and the calls that
// make them work hardest (bench/fairness.ts).

/** Eight stars (the cap), one letter apart: the shape that froze the old matcher (bench/PATTERNS.md). */
export const STAR_BOMB = "*a*a*a*a*a*a*a*b";
/** A 128-character action type (the cap) that every part of STAR_BOMB but the last fits. */
export const LONG_ACTION = "a".repeat(128);
/** 293 RE2 instructions (the cap is 300), slow for RE2 on a run of letters. */
export const MATCH_BOMB = "(?i)[a-z0-9]{200}[a-z]{90}";
/** The metadata fields the `matches` conditions read (one condition each, under `any`). */
export const MATCH_FIELDS = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];

/** The heavy org's policies beside `allow-pr`: action and agent patterns at the star cap, and matches conditions. */
export const BOMB_POLICIES = [
  { name: "bomb-actions", actions: [STAR_BOMB], effect: "allow" },
  { name: "bomb-agents", actions: ["bomb.*"], agents: [STAR_BOMB, "bomber"], effect: "allow" },
  { name: "bomb-matches", actions: ["bomb.*"], effect: "deny", when: { any: MATCH_FIELDS.map((f) => ({ field: `metadata.${f}`, op: "matches", value: MATCH_BOMB })) } },
];
