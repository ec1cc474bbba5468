/**
 * A 100-policy set for benchmarks, with the same set expressed in Cedar. Action types come from a
 * pool of 200 (`svc<N>.<verb>`); wildcards are expanded for Cedar, which has no action patterns.
 * require_approval has no Cedar equivalent; it is expressed as `forbid` (the most restrictive
 * non-allow answer), which gives Cedar the same amount of work.
 */
export const VERBS = ["read", "list", "write", "delete", "merge"] as const;
export const SERVICES = 40;
export const ACTION_TYPES = Array.from({ length: SERVICES }, (_, s) => VERBS.map((v) => `svc${s}.${v}`)).flat();

export interface BenchPolicy {
  name: string;
  actions: string[];
  agents: string[];
  effect: "allow" | "deny" | "require_approval";
  when?: unknown;
  mode?: "enforce" | "monitor";
  approval?: { quorum: number; timeoutSeconds: number };
}

export function benchPolicies(): BenchPolicy[] {
  const out: BenchPolicy[] = [];
  for (let s = 0; s < SERVICES; s += 1) {
    out.push({ name: `allow-svc${s}`, actions: [`svc${s}.read`, `svc${s}.list`, `svc${s}.write`, `svc${s}.merge`], agents: ["*"], effect: "allow" });
  }
  for (let s = 0; s < 30; s += 1) {
    out.push({
      name: `big-writes-svc${s}`,
      actions: [`svc${s}.*`],
      agents: ["*"],
      effect: "deny",
      when: {
        all: [
          { field: "metadata.size", op: "gt", value: 1000 },
          { field: "metadata.env", op: "eq", value: "prod" },
        ],
      },
    });
  }
  for (let s = 0; s < 20; s += 1) {
    out.push({
      name: `review-merges-svc${s}`,
      actions: [`svc${s}.merge`],
      agents: ["*"],
      effect: "require_approval",
      when: {
        any: [
          { field: "metadata.size", op: "gt", value: 50 },
          { field: "dataAccessed.sensitivity", op: "in", value: ["restricted"] },
        ],
      },
      approval: { quorum: 1, timeoutSeconds: 3600 },
    });
  }
  for (let s = 0; s < 10; s += 1) {
    out.push({ name: `watch-deletes-svc${s}`, actions: [`svc${s}.delete`], agents: ["*"], effect: "deny", mode: "monitor" });
  }
  return out;
}

function expand(patterns: string[]): string[] {
  return ACTION_TYPES.filter((t) => patterns.some((p) => (p.endsWith(".*") ? t.startsWith(p.slice(0, -1)) : p === t)));
}

const cedarCondition = (when: unknown): string => {
  const c = when as { all?: unknown[]; any?: unknown[]; field?: string; op?: string; value?: unknown };
  if (c.all)
    return c.all
      .map(cedarCondition)
      .map((x) => `(${x})`)
      .join(" && ");
  if (c.any)
    return c.any
      .map(cedarCondition)
      .map((x) => `(${x})`)
      .join(" || ");
  if (c.field === "metadata.size" && c.op === "gt") return `context has size && context.size > ${String(c.value)}`;
  if (c.field === "metadata.env" && c.op === "eq") return `context has env && context.env == ${JSON.stringify(c.value)}`;
  if (c.field === "dataAccessed.sensitivity") return `context.sensitivities.containsAny(${JSON.stringify(c.value)})`;
  throw new Error(`no Cedar form for ${JSON.stringify(when)}`);
};

export function cedarPolicyText(policies: BenchPolicy[]): string {
  return policies
    .filter((p) => p.mode !== "monitor")
    .map((p) => {
      const effect = p.effect === "allow" ? "permit" : "forbid";
      const actions = expand(p.actions)
        .map((a) => `Action::${JSON.stringify(a)}`)
        .join(", ");
      const when = p.when ? ` when { ${cedarCondition(p.when)} }` : "";
      return `@id(${JSON.stringify(p.name)})\n${effect}(principal, action in [${actions}], resource)${when};`;
    })
    .join("\n");
}

/** A deterministic stream of requests: mixed services, verbs, sizes and environments. */
export function benchRequests(count: number): Array<{ actionType: string; metadata: { size: number; env: string }; sensitivity: string[] }> {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, () => ({
    actionType: ACTION_TYPES[Math.floor(next() * ACTION_TYPES.length)] as string,
    metadata: { size: Math.floor(next() * 2000), env: next() < 0.5 ? "prod" : "dev" },
    sensitivity: next() < 0.1 ? ["restricted"] : ["internal"],
  }));
}
