/** Policy files the CLI's policy tests share. */

/** Two policies and three tests, the second of which fails: merges need an approval. */
export const SET_YAML = [
  "policies:",
  "  - name: allow-reads",
  "    actions: ['*.read']",
  "    effect: allow",
  "  - name: review-merges",
  "    actions: [pr.merge]",
  "    effect: require_approval",
  "tests:",
  "  - name: reads are fine",
  "    request: { actionType: repo.read }",
  "    expect: { effect: allow, policy: allow-reads }",
  "  - name: merges go straight through",
  "    request: { actionType: pr.merge, agent: ci-bot }",
  "    expect: { effect: allow }",
  "  - name: wipes are denied by nothing",
  "    request: { actionType: fs.wipe }",
  "    expect: { effect: deny, policy: null }",
  "",
].join("\n");

/** A replay's answer: 10 merges that needed an approval would go through, 2 exports that ran would be refused. */
export const SIMULATION = {
  days: 7,
  from: "2026-11-15T12:00:00.000Z",
  to: "2026-11-22T12:00:00.000Z",
  evaluated: 120,
  skipped: 3,
  truncated: false,
  changed: 12,
  transitions: [
    { from: "require_approval", to: "allow", count: 10 },
    { from: "allow", to: "deny", count: 2 },
  ],
  byActionType: [
    { actionType: "pr.merge", from: "require_approval", to: "allow", count: 10 },
    { actionType: "data.export", from: "allow", to: "deny", count: 2 },
  ],
  byAgent: [{ agentId: "agt_1", agentName: "ci-bot", from: "require_approval", to: "allow", count: 10 }],
  samples: [
    {
      actionId: "act_1",
      at: "2026-11-22T11:00:00.000Z",
      actionType: "pr.merge",
      agentName: "ci-bot",
      from: "require_approval",
      to: "allow",
      policyBefore: "review-merges",
      policyAfter: null,
    },
  ],
};
