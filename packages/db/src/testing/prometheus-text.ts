/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for the tests of each process's /metrics:
 * every line is a HELP, a TYPE, another comment, blank, or a sample of a family declared by a TYPE line before it;
 * anything else throws, naming the line. What Prometheus itself would refuse, the tests refuse.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromExposition {
  /** Each family's type (counter, gauge, histogram, summary, untyped), by the name its TYPE line gives. */
  types: Map<string, string>;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function labelsOf(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    const eq = text.indexOf("=", at);
    if (eq < 0) throw new Error(`a label without a value: ${line}`);
    const name = text.slice(at, eq).trim();
    if (!LABEL.test(name)) throw new Error(`a malformed label name "${name}": ${line}`);
    if (text[eq + 1] !== '"') throw new Error(`an unquoted label value: ${line}`);
    let value = "";
    let i = eq + 2;
    for (; i < text.length && text[i] !== '"'; i += 1) {
      if (text[i] === "\\") {
        const next = text[i + 1];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new Error(`a bad escape in a label value: ${line}`);
        i += 1;
      } else value += text[i];
    }
    if (i >= text.length) throw new Error(`an unterminated label value: ${line}`);
    if (Object.hasOwn(labels, name)) throw new Error(`a label given twice: ${line}`);
    labels[name] = value;
    at = i + 1;
    if (text[at] === ",") at += 1;
    else if (at < text.length) throw new Error(`labels not separated by commas: ${line}`);
  }
  return labels;
}

/** A value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`). */
function valueOf(text: string, line: string): number {
  const lower = text.toLowerCase();
  if (lower === "+inf" || lower === "inf") return Infinity;
  if (lower === "-inf") return -Infinity;
  if (lower === "nan") return NaN;
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) throw new Error(`a value that is not a number: ${line}`);
  return value;
}

/** The family a sample belongs to: its own name, or a histogram's or summary's with its suffix. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const suffixed = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!suffixed?.[1]) return undefined;
  const type = types.get(suffixed[1]);
  if (type === "histogram" || (type === "summary" && suffixed[2] !== "bucket")) return suffixed[1];
  return undefined;
}

export function parsePrometheusText(text: string): PromExposition {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!meta) continue; // another comment
      const [, kind, name, rest] = meta;
      if (!name || !NAME.test(name)) throw new Error(`a malformed metric name: ${line}`);
      if (kind === "TYPE") {
        if (!rest || !TYPES.has(rest)) throw new Error(`an unknown type: ${line}`);
        if (types.has(name)) throw new Error(`a family typed twice: ${line}`);
        types.set(name, rest);
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match?.[1] || match[3] === undefined) throw new Error(`not a sample: ${line}`);
    if (!familyOf(match[1], types)) throw new Error(`a sample of no declared family: ${line}`);
    samples.push({ name: match[1], labels: labelsOf(match[2] ?? "", line), value: valueOf(match[3], line) });
  }
  return { types, samples };
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when none, an error when several. */
export function sampleValue(exposition: PromExposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
