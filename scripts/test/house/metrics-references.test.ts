import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { METRICS_PROCESSES, metricsRegistry } from "@gatehouse/db/metrics";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

// The example dashboard (deploy/observability/grafana-dashboard.json), the alert rules
// (deploy/observability/prometheus-rules.yaml) and the metrics page (docs/metrics.md) name only metrics that exist:
// every series a PromQL expression selects is one that some process's registry serves (a histogram's _bucket, _sum
// and _count included), with labels that metric has; and the page describes every metric of Gatehouse's own.

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, "utf8");

/** Labels Prometheus adds to every scraped series (the target's), and the bucket bound histogram_quantile reads. */
const TARGET_LABELS = ["job", "instance"];
/** Series Prometheus itself writes for each target (not any process's). */
const PROMETHEUS_SERIES = new Set(["up"]);
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

interface Served {
  family: string;
  labels: Set<string>;
}

/** Every series name the three processes' registries serve, with its family's labels. */
function servedSeries(): Map<string, Served> {
  const series = new Map<string, Served>();
  for (const process of METRICS_PROCESSES) {
    for (const metric of metricsRegistry(process).getMetricsAsArray()) {
      const { name, type, labelNames } = metric as unknown as { name: string; type: string; labelNames: string[] };
      const labels = new Set([...labelNames, ...TARGET_LABELS]);
      const names = type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : type === "summary" ? [name, `${name}_sum`, `${name}_count`] : [name];
      if (type === "histogram") labels.add("le");
      if (type === "summary") labels.add("quantile");
      for (const one of names) {
        const known = series.get(one);
        series.set(one, { family: name, labels: new Set([...(known?.labels ?? []), ...labels]) });
      }
    }
  }
  return series;
}

interface Reference {
  metrics: string[];
  /** Label names in each selector's matchers, by the metric selected. */
  matchers: Array<{ metric: string; label: string }>;
  /** Label names of by / without / on / ignoring / group_left / group_right. */
  grouping: string[];
}

/** The metric names, matcher labels and grouping labels a PromQL expression (with Grafana's $variables) uses. */
function referencesOf(expression: string): Reference {
  let text = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals (label values)
    .replace(/\[[^\]]*\]/g, " ") // ranges and subqueries: [5m], [$__rate_interval], [15m:1m]
    .replace(/\boffset\s+\S+/g, " ")
    .replace(/\$\{?\w+\}?/g, " ") // Grafana variables outside ranges
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w:])/gi, " "); // numbers, 1e-9 included
  const matchers: Reference["matchers"] = [];
  text = text.replace(/([a-zA-Z_:][\w:]*)?\s*\{([^}]*)\}/g, (_whole, metric: string | undefined, inside: string) => {
    for (const [, label] of inside.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) if (label) matchers.push({ metric: metric ?? "", label });
    return ` ${metric ?? ""} `;
  });
  const grouping: string[] = [];
  text = text.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_whole, inside: string) => {
    grouping.push(
      ...inside
        .split(",")
        .map((label) => label.trim())
        .filter((label) => label !== ""),
    );
    return " ";
  });
  const metrics: string[] = [];
  for (const match of text.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const name = match[0];
    // A name followed by "(" is a function or an aggregation.
    if (
      text
        .slice(match.index + name.length)
        .trimStart()
        .startsWith("(")
    )
      continue;
    if (!KEYWORDS.has(name.toLowerCase()) && !metrics.includes(name)) metrics.push(name);
  }
  return { metrics, matchers, grouping };
}

/** What an expression names that no process serves, or a label its metrics do not have. */
function problemsOf(expression: string, served: Map<string, Served>): string[] {
  const { metrics, matchers, grouping } = referencesOf(expression);
  const problems: string[] = [];
  for (const metric of metrics) if (!served.has(metric) && !PROMETHEUS_SERIES.has(metric)) problems.push(`no process serves ${metric}`);
  for (const { metric, label } of matchers) {
    const known = served.get(metric);
    if (known && !known.labels.has(label)) problems.push(`${metric} has no label ${label}`);
  }
  if (problems.length > 0) return problems; // an unknown metric's labels are unknown too
  const labels = new Set(metrics.flatMap((metric) => [...(served.get(metric)?.labels ?? TARGET_LABELS)]));
  for (const label of grouping) if (!labels.has(label)) problems.push(`no metric of the expression has the label ${label}`);
  return problems;
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

function dashboardExpressions(): Array<{ where: string; expr: string }> {
  const dashboard = JSON.parse(read("deploy/observability/grafana-dashboard.json")) as { panels: Panel[]; templating?: { list?: Array<{ name: string; query?: unknown }> } };
  const found: Array<{ where: string; expr: string }> = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) found.push({ where: `panel "${panel.title}"`, expr: target.expr });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    // A query variable's PromQL (label_values(metric, label) names a metric too).
    if (typeof variable.query === "string" && variable.query !== "prometheus")
      found.push({ where: `variable ${variable.name}`, expr: variable.query.replace(/^label_values\((.*)\)$/, "$1") });
  }
  return found;
}

function ruleExpressions(): Array<{ where: string; expr: string }> {
  const rules = parse(read("deploy/observability/prometheus-rules.yaml")) as { groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }> };
  return rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `rule ${rule.alert ?? rule.record}`, expr: String(rule.expr) })));
}

describe("the dashboard and the alert rules reference only metrics that exist", () => {
  const served = servedSeries();

  it("every series and label the dashboard's panels select is served by some process", () => {
    const expressions = dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(25);
    expect(expressions.flatMap(({ where, expr }) => problemsOf(expr, served).map((problem) => `${where}: ${problem}`))).toEqual([]);
  });

  it("every series and label the alert rules select is served by some process", () => {
    const expressions = ruleExpressions();
    expect(expressions.length).toBeGreaterThan(10);
    expect(expressions.flatMap(({ where, expr }) => problemsOf(expr, served).map((problem) => `${where}: ${problem}`))).toEqual([]);
  });

  it("the alert rules cover what the issue asks: errors, latency, approvals, webhooks, PostgreSQL and Redis, jobs, pools", () => {
    const named = ruleExpressions().flatMap(({ expr }) => referencesOf(expr).metrics);
    for (const metric of [
      "gatehouse_decision_errors_total",
      "gatehouse_decision_duration_seconds_bucket",
      "gatehouse_approvals_oldest_pending_age_seconds",
      "gatehouse_webhook_backlog_entries",
      "gatehouse_webhook_deliveries_total",
      "gatehouse_dependency_up",
      "gatehouse_job_runs_total",
      "gatehouse_db_pool_connections",
    ]) {
      expect(named).toContain(metric);
    }
  });

  it("the check bites: a misspelt metric, an unknown label and a grouping label no metric has are each reported", () => {
    expect(problemsOf('sum by (effect) (rate(gatehouse_decision_total{effect="deny"}[5m]))', served)).toEqual(["no process serves gatehouse_decision_total"]);
    expect(problemsOf('rate(gatehouse_decisions_total{status_class="5xx"}[5m])', served)).toEqual(["gatehouse_decisions_total has no label status_class"]);
    expect(problemsOf("sum by (org_id) (rate(gatehouse_decisions_total[5m]))", served)).toEqual(["no metric of the expression has the label org_id"]);
    expect(problemsOf("histogram_quantile(0.99, sum by (le) (rate(gatehouse_decision_duration_seconds[5m])))", served)).toEqual([
      "no process serves gatehouse_decision_duration_seconds",
    ]);
  });

  it("reads metric names out of PromQL, not functions, keywords, numbers or variables", () => {
    expect(
      referencesOf(
        '(sum(gatehouse_worker_leading) or vector(0)) < 1 and deriv(max(gatehouse_webhook_backlog_entries)[15m:1m]) > 1e-9 unless time() - max by (job_name) (gatehouse_job_last_success_timestamp_seconds offset 5m) > 4 * 3600 and rate(up{job=~"gatehouse.*"}[$__rate_interval]) == 0',
      ),
    ).toEqual({
      metrics: ["gatehouse_worker_leading", "gatehouse_webhook_backlog_entries", "gatehouse_job_last_success_timestamp_seconds", "up"],
      matchers: [{ metric: "up", label: "job" }],
      grouping: ["job_name"],
    });
  });
});

describe("docs/metrics.md", () => {
  const served = servedSeries();
  const page = read("docs/metrics.md");
  const families = new Set([...served.values()].map((s) => s.family).filter((name) => name.startsWith("gatehouse_")));

  it("describes every metric of Gatehouse's own", () => {
    expect([...families].filter((family) => !page.includes(`\`${family}\``))).toEqual([]);
  });

  it("names no gatehouse_ metric that no process serves", () => {
    const named = new Set([...page.matchAll(/\bgatehouse_[a-z_]+[a-z]/g)].map((match) => match[0]));
    expect([...named].filter((name) => !served.has(name) && !families.has(name))).toEqual([]);
  });
});
