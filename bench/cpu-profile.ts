// Reads a V8 CPU profile (what `node --cpu-prof` writes): cuts it to a time window, makes its paths relative
// to the repository, folds its stacks for flame-graph tools and sums it by function, package and kind of work.
import { root } from "./lib";

export interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  positionTicks?: unknown;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The samples taken between `fromMicros` and `toMicros` (the monotonic clock in µs, as
 * `process.hrtime.bigint() / 1000n` reads it in any process on this machine), only the nodes they
 * stand on, and every script's address relative to the repository (file:///…/packages/db/… →
 * packages/db/…), so the file names nothing outside it.
 */
export function trimProfile(profile: CpuProfile, fromMicros: number, toMicros: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  let last = fromMicros;
  profile.samples.forEach((sample, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromMicros || at > toMicros) return;
    samples.push(sample);
    timeDeltas.push(at - last);
    last = at;
  });
  const parent = parents(profile.nodes);
  const kept = new Set<number>();
  const hits = new Map<number, number>();
  for (const sample of samples) {
    hits.set(sample, (hits.get(sample) ?? 0) + 1);
    for (let id: number | undefined = sample; id !== undefined && !kept.has(id); id = parent.get(id)) kept.add(id);
  }
  const prefix = `file://${root}`;
  const nodes = profile.nodes
    .filter((node) => kept.has(node.id))
    .map((node) => ({
      id: node.id,
      callFrame: {
        ...node.callFrame,
        url: node.callFrame.url.startsWith(prefix)
          ? node.callFrame.url.slice(prefix.length)
          : node.callFrame.url.startsWith(root)
            ? node.callFrame.url.slice(root.length)
            : node.callFrame.url,
      },
      hitCount: hits.get(node.id) ?? 0,
      children: (node.children ?? []).filter((child) => kept.has(child)),
    }));
  return { nodes, startTime: fromMicros, endTime: Math.min(toMicros, profile.endTime), samples, timeDeltas };
}

function parents(nodes: readonly ProfileNode[]): Map<number, number> {
  const parent = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  return parent;
}

/**
 * A frame's name for people: `function file:line` ((anonymous) when it has no name). TypeScript files run
 * through tsx, whose output the profile's line numbers count, so those frames are named by file alone.
 */
export function frameName(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  return frame.url.endsWith(".ts") ? `${name} ${frame.url}` : `${name} ${frame.url}:${frame.lineNumber + 1}`;
}

/**
 * Each sample's stack, root first, without the root node, as lines `frame;frame;…;leaf count` (Brendan
 * Gregg's folded format, which flamegraph.pl, inferno and speedscope read). Idle samples are left out:
 * the graph is of the work done.
 */
export function foldStacks(profile: CpuProfile): string {
  const counts = new Map<string, number>();
  for (const stack of stacks(profile)) {
    const frames = stack.slice(1).map((frame) => frameName(frame).replaceAll(";", ","));
    if (frames.length === 0 || frames.at(-1) === "(idle)") continue;
    const key = frames.join(";");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${key} ${count}\n`).join("");
}

/** Every sample's stack of call frames, root first. */
function stacks(profile: CpuProfile): CallFrame[][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = parents(profile.nodes);
  const memo = new Map<number, CallFrame[]>();
  const stackOf = (id: number): CallFrame[] => {
    const known = memo.get(id);
    if (known) return known;
    const up = parent.get(id);
    const frame = byId.get(id)?.callFrame;
    const stack = [...(up === undefined ? [] : stackOf(up)), ...(frame ? [frame] : [])];
    memo.set(id, stack);
    return stack;
  };
  return profile.samples.map(stackOf);
}

/** The package or folder a frame's code lives in: `pg-protocol`, `packages/db/src/decisions`, `node:internal/streams`, `(V8 builtins)`. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith("(") ? functionName : "(V8 builtins and native code)";
  const inModules = url.lastIndexOf("node_modules/");
  if (inModules >= 0) {
    const [first = "", second = ""] = url.slice(inModules + "node_modules/".length).split("/");
    return first.startsWith("@") ? `${first}/${second}` : first;
  }
  const ours = /^(packages\/(?:integrations\/)?[^/]+\/src|apps\/[^/]+\/src)\/(.*)$/.exec(url);
  if (ours) {
    const rest = ours[2] as string;
    return rest.includes("/") ? `${ours[1]}/${rest.slice(0, rest.indexOf("/"))}` : `${ours[1]}/${rest}`;
  }
  if (url.startsWith("node:")) {
    const parts = url.split("/");
    return parts[0] === "node:internal"
      ? parts
          .slice(0, Math.min(2, parts.length - 1) + 1)
          .join("/")
          .replace(/\.js$/, "")
      : (parts[0] as string);
  }
  return url;
}

/** A kind of work, and how to tell its frames. */
interface Kind {
  name: string;
  test: (frame: CallFrame) => boolean;
}

const inPackage = (names: readonly string[]) => (frame: CallFrame) => names.some((name) => packageOf(frame) === name || packageOf(frame).startsWith(`${name}/`));
const underPath = (pattern: RegExp) => (frame: CallFrame) => pattern.test(frame.url);

/**
 * The kinds of work a decision is made of, innermost first: a sample's own time goes to the first kind
 * (walking from the leaf towards the root) that one of its frames belongs to, so V8's builtins (no
 * address) count for the code that called them. JSON and hashing are told by the builtin's name.
 */
export const KINDS: readonly Kind[] = [
  { name: "garbage collection", test: (f) => f.functionName === "(garbage collector)" },
  { name: "idle", test: (f) => f.functionName === "(idle)" },
  { name: "V8 and native code outside JavaScript ((program))", test: (f) => f.functionName === "(program)" },
  {
    name: "JSON serialization and parsing",
    test: (f) =>
      (!f.url && /^(stringify|parse|JSONStringify|JSONParse|JsonStringify|JsonParse)$/.test(f.functionName)) ||
      inPackage(["fast-json-stringify", "secure-json-parse", "json-schema-ref-resolver", "fast-uri"])(f) ||
      underPath(/^packages\/(core|tlog)\/src\/.*canonical/)(f),
  },
  {
    name: "random bytes (ids, salts, tokens)",
    test: (f) => underPath(/^node:internal\/crypto\/random/)(f) || (!f.url && /^(randomBytes|randomFillSync|randomUUID|getRandomValues)$/.test(f.functionName)),
  },
  {
    name: "hashing (SHA-256, HMAC)",
    test: (f) =>
      underPath(/^node:internal\/crypto\//)(f) ||
      (!f.url && /^(digest|update|createHash|createHmac|Hash|Hmac|timingSafeEqual)$/.test(f.functionName)) ||
      inPackage(["@noble/hashes", "packages/tlog/src"])(f),
  },
  { name: "zod parsing", test: inPackage(["zod"]) },
  {
    name: "logging (pino)",
    test: inPackage(["pino", "pino-std-serializers", "sonic-boom", "thread-stream", "abstract-logging", "fast-redact", "on-exit-leak-free", "quick-format-unescaped"]),
  },
  { name: "content screening", test: underPath(/^packages\/(core|db)\/src\/content\//) },
  { name: "budget check", test: underPath(/^packages\/(db\/src\/decisions\/budget-plan|db\/src\/budgets\/|core\/src\/spend\/)/) },
  {
    name: "pg protocol (node-postgres)",
    test: inPackage([
      "pg",
      "pg-protocol",
      "pg-pool",
      "pg-types",
      "pg-connection-string",
      "postgres-array",
      "postgres-bytea",
      "postgres-date",
      "postgres-interval",
      "pgpass",
      "@prisma/adapter-pg",
    ]),
  },
  { name: "Prisma client", test: (f) => inPackage(["@prisma/client", "@prisma/client-runtime-utils", ".prisma"])(f) || underPath(/\/generated\/prisma\//)(f) },
  { name: "Redis (ioredis)", test: inPackage(["ioredis", "redis-parser", "@ioredis/commands", "denque", "cluster-key-slot", "standard-as-callback", "redis-errors"]) },
  {
    name: "fastify",
    test: (f) =>
      inPackage([
        "fastify",
        "find-my-way",
        "avvio",
        "light-my-request",
        "fast-querystring",
        "toad-cache",
        "fast-content-type-parse",
        "fastify-plugin",
        "process-warning",
        "rfdc",
        "ret",
        "safe-regex2",
      ])(f) ||
      packageOf(f).startsWith("@fastify/") ||
      packageOf(f).startsWith("fastify-"),
  },
  { name: "our HTTP layer (apps/api)", test: underPath(/^apps\/api\/src\//) },
  { name: "our decision code (packages/db/src/decisions)", test: underPath(/^packages\/db\/src\/decisions\//) },
  { name: "our audit log (packages/db/src/audit)", test: underPath(/^packages\/db\/src\/audit\//) },
  { name: "our engine and contracts (packages/core, packages/contracts)", test: underPath(/^packages\/(core|contracts)\/src\//) },
  { name: "our other database code (packages/db/src)", test: underPath(/^packages\/db\/src\//) },
  { name: "node:http, sockets and streams", test: (f) => /^node:(_http|net|stream|internal\/(http|streams|stream_base_commons|net|js_stream_socket|dns))/.test(f.url) },
  {
    name: "node: timers, promises, async hooks",
    test: (f) => /^node:internal\/(timers|process\/task_queues|async_hooks|async_local_storage|event_target|events)/.test(f.url) || f.url === "node:events",
  },
  { name: "other npm packages", test: (f) => f.url.includes("node_modules/") },
  { name: "other node: internals", test: (f) => f.url.startsWith("node:") },
];

export interface ProfileSummary {
  samples: number;
  busySamples: number;
  sampleIntervalMicros: number;
  /** The functions with the most own time, as a share of the busy (non-idle) samples. */
  topSelf: Array<{ frame: string; percent: number }>;
  /**
   * Each package or folder: the share of busy samples with one of its frames anywhere on the stack (not
   * counting what every stack starts with: V8's builtins, node's task queues, timers and events).
   */
  topInclusiveByPackage: Array<{ package: string; percent: number }>;
  /** Each kind of work: its own time (innermost attribution, adds up to 100% with idle left out) and inclusive time. */
  kinds: Array<{ kind: string; selfPercent: number; inclusivePercent: number }>;
}

/** Packages on (nearly) every stack, which say nothing about where the time goes. */
const SCHEDULING = /^(\(|node:internal\/(process|async_hooks|timers|async_local_storage)|node:(async_hooks|events|timers)$)/;

const pct = (part: number, whole: number) => Math.round((part / Math.max(1, whole)) * 1000) / 10;

/** Sums a profile: own time by function, inclusive time by package and own and inclusive time by kind of work. */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const all = stacks(profile);
  const busy = all.filter((stack) => stack.at(-1)?.functionName !== "(idle)");
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const kindSelf = new Map<string, number>();
  const kindInclusive = new Map<string, number>();
  for (const stack of busy) {
    const leaf = stack.at(-1) as CallFrame;
    self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + 1);
    for (const name of new Set(stack.slice(1).map(packageOf))) if (!SCHEDULING.test(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
    let owner = "other";
    for (let i = stack.length - 1; i >= 1; i -= 1) {
      const kind = KINDS.find((k) => k.test(stack[i] as CallFrame));
      if (kind) {
        owner = kind.name;
        break;
      }
    }
    kindSelf.set(owner, (kindSelf.get(owner) ?? 0) + 1);
    for (const kind of KINDS) if (stack.slice(1).some((frame) => kind.test(frame))) kindInclusive.set(kind.name, (kindInclusive.get(kind.name) ?? 0) + 1);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  const intervals = profile.timeDeltas.slice(1).sort((a, b) => a - b);
  return {
    samples: all.length,
    busySamples: busy.length,
    sampleIntervalMicros: intervals[Math.floor(intervals.length / 2)] ?? 0,
    topSelf: sorted(self)
      .slice(0, top)
      .map(([frame, n]) => ({ frame, percent: pct(n, busy.length) })),
    topInclusiveByPackage: sorted(inclusive)
      .slice(0, top)
      .map(([name, n]) => ({ package: name, percent: pct(n, busy.length) })),
    kinds: [...KINDS.map((k) => k.name), "other"]
      .filter((name) => name !== "idle" && ((kindSelf.get(name) ?? 0) > 0 || (kindInclusive.get(name) ?? 0) > 0))
      .map((name) => ({ kind: name, selfPercent: pct(kindSelf.get(name) ?? 0, busy.length), inclusivePercent: pct(kindInclusive.get(name) ?? 0, busy.length) }))
      .sort((a, b) => b.selfPercent - a.selfPercent),
  };
}
