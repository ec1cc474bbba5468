/**
 * Hostile inputs for every parser entry point (policy sources, policy sets, decision metadata), shared
 * by the tests and bench/parsers.ts. Each is sized to fit the route that receives it: a source up to
 * the draft's 1 MB, a JSON body up to the 64 KB cap.
 */

const deepArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

/** A policy source bomb: YAML or JSON text. */
export interface SourceBomb {
  name: string;
  format: "yaml" | "json";
  source: string;
}

/** Policy source bombs (the draft routes, publish, the CLI): what the outside test sent, and more. */
export const SOURCE_BOMBS: readonly SourceBomb[] = [
  { name: "deep JSON arrays (400 KB)", format: "json", source: `{"policies": ${deepArrays(200_000)}}` },
  { name: "deep JSON objects", format: "json", source: `{"policies": [${deepObjects(60_000)}]}` },
  { name: "deep YAML flow sequences (200 KB)", format: "yaml", source: `policies: ${deepArrays(100_000)}\n` },
  { name: "deep YAML block mappings", format: "yaml", source: `policies:\n${Array.from({ length: 400 }, (_, i) => `${" ".repeat(i + 1)}a:\n`).join("")}` },
  {
    name: "YAML alias bomb",
    format: "yaml",
    source: `a: &a [x, x, x, x, x, x, x, x, x]\n${Array.from(
      { length: 12 },
      (_, i) =>
        `l${i}: &l${i} [${Array(9)
          .fill(i === 0 ? "*a" : `*l${i - 1}`)
          .join(", ")}]`,
    ).join("\n")}\npolicies: []\n`,
  },
  {
    name: "40,000 keys (YAML, 700 KB)",
    format: "yaml",
    source: `policies:\n  - name: a\n    actions: [x]\n    effect: allow\n${Array.from({ length: 40_000 }, (_, i) => `    k${i}: ${i}\n`).join("")}`,
  },
  { name: "40,000 keys (JSON, 380 KB)", format: "json", source: JSON.stringify({ policies: [Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`k${i}`, i]))] }) },
  { name: "a 900 KB string", format: "yaml", source: `policies:\n  - name: a\n    description: ${"x".repeat(900_000)}\n    actions: [x]\n    effect: allow\n` },
];

/** A policy with `count` conditions `matches` of `pattern`. */
const withPatterns = (pattern: string, count: number) => ({
  name: "p",
  actions: ["pr.*"],
  effect: "deny",
  when: { any: Array.from({ length: count }, () => ({ field: "metadata.branch", op: "matches", value: pattern })) },
});

/** Policy set bombs as JSON values (the JSON routes: apply, test, simulate); each stays under 64 KB. */
export interface SetBomb {
  name: string;
  /** The JSON text of `{ policies, tests }`. */
  text: string;
  /** The issue path the 400 names starts with this. */
  field: string;
}

const set = (policies: unknown[]) => JSON.stringify({ policies });

export const SET_BOMBS: readonly SetBomb[] = [
  { name: "deep JSON arrays", text: `{"policies": ${deepArrays(30_000)}}`, field: "policies" },
  { name: "deep JSON objects", text: `{"policies": [${deepObjects(10_000)}]}`, field: "policies" },
  {
    name: "8,000 keys (as many as fit)",
    text: JSON.stringify({ policies: [Object.fromEntries(Array.from({ length: 8_000 }, (_, i) => [i.toString(36), 0]))] }),
    field: "policies[0]",
  },
  { name: "a 60 KB string", text: set([{ name: "a", description: "x".repeat(60_000), actions: ["x"], effect: "allow" }]), field: "policies[0].description" },
  { name: "201 matches patterns", text: set([withPatterns("^a", 100), { ...withPatterns("^b", 101), name: "q" }]), field: "policies[1].when" },
  { name: "a pattern of 1,003 instructions", text: set([withPatterns("(?i)\\w{1000}z", 1)]), field: "policies[0].when.any[0].value" },
  { name: "nested counted repetition", text: set([withPatterns("((((a{10}){10}){10}){10})", 1)]), field: "policies[0].when.any[0].value" },
];

/** Decision metadata bombs (execute, canI): the body of a decision request. */
export interface MetadataBomb {
  name: string;
  body: (actionType: string) => string;
  /** 400 naming `field`, or 413 when the bomb cannot fit the body cap. */
  status: 400 | 413;
  field: string;
}

export const METADATA_BOMBS: readonly MetadataBomb[] = [
  { name: "deep JSON arrays", body: (t) => `{"actionType":"${t}","metadata":{"a":${deepArrays(30_000)}}}`, status: 400, field: "metadata" },
  { name: "deep JSON objects", body: (t) => `{"actionType":"${t}","metadata":${deepObjects(10_000)}}`, status: 400, field: "metadata" },
  {
    name: "40,000 keys",
    body: (t) => JSON.stringify({ actionType: t, metadata: Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`k${i}`, 0])) }),
    status: 413,
    field: "body",
  },
  { name: "a 100 KB string", body: (t) => JSON.stringify({ actionType: t, metadata: { a: "x".repeat(100_000) } }), status: 413, field: "body" },
];

/**
 * A legal but heavy policy source (within every limit): many policies with long condition lists and
 * tests that evaluate all of them. Parsing and testing it takes a worker about a second or more.
 */
export function heavyLegalSource(policies = 600, conditions = 20, tests = 150): string {
  const lines = ["policies:"];
  for (let p = 0; p < policies; p += 1) {
    lines.push(`  - name: p${p}`, `    actions: ["a.*"]`, `    effect: allow`, `    when:`, `      all:`);
    for (let c = 0; c < conditions; c += 1) lines.push(`        - { field: metadata.k${c}, op: neq, value: ${p} }`);
  }
  lines.push("tests:");
  for (let t = 0; t < tests; t += 1) lines.push(`  - name: t${t}`, `    request: { actionType: a.b, metadata: { k0: -1 } }`, `    expect: { effect: deny }`);
  return `${lines.join("\n")}\n`;
}
