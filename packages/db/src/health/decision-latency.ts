/**
 * How long this process took to answer `execute` (decideAction, from the call to its committed answer), per org, over a
 * recent window: the governance health's decision latency (docs/audit.md). Kept in memory, bounded: the newest
 * MAX_SAMPLES_PER_ORG answers of the MAX_ORGS orgs that decided most recently. It is the answering process's view (a
 * deployment of several API processes gives each its own), and observation: recording never fails a decision.
 */
const MAX_SAMPLES_PER_ORG = 500;
const MAX_ORGS = 2_000;

/** A ring of the org's newest answers: grows to MAX_SAMPLES_PER_ORG (at most 16 MB for every org together), then wraps. */
interface Samples {
  at: number[];
  ms: number[];
  /** Where the next sample goes once the ring is full. */
  next: number;
}

const byOrg = new Map<string, Samples>();

export function recordDecisionLatency(orgId: string, ms: number, at = Date.now()): void {
  let samples = byOrg.get(orgId);
  if (samples) {
    byOrg.delete(orgId); // re-inserted below: the Map's order is the orgs' last decision, oldest first
  } else {
    samples = { at: [], ms: [], next: 0 };
    if (byOrg.size >= MAX_ORGS) byOrg.delete(byOrg.keys().next().value as string);
  }
  byOrg.set(orgId, samples);
  if (samples.at.length < MAX_SAMPLES_PER_ORG) {
    samples.at.push(at);
    samples.ms.push(ms);
    return;
  }
  samples.at[samples.next] = at;
  samples.ms[samples.next] = ms;
  samples.next = (samples.next + 1) % MAX_SAMPLES_PER_ORG;
}

/** The org's answers within `windowMs` of `now`: how many, and their median and 99th percentile (nearest rank, in ms). */
export function decisionLatencyOf(orgId: string, windowMs: number, now = Date.now()): { samples: number; p50Ms: number | null; p99Ms: number | null } {
  const samples = byOrg.get(orgId);
  const recent: number[] = [];
  if (samples) {
    samples.at.forEach((at, i) => {
      if (now - at <= windowMs) recent.push(samples.ms[i]!);
    });
  }
  if (recent.length === 0) return { samples: 0, p50Ms: null, p99Ms: null };
  recent.sort((x, y) => x - y);
  const rank = (q: number) => Math.round(recent[Math.min(recent.length - 1, Math.ceil(q * recent.length) - 1)]! * 10) / 10;
  return { samples: recent.length, p50Ms: rank(0.5), p99Ms: rank(0.99) };
}
