import { ORG_SCREEN_PROGRAM_BUDGET, orgProgramSize, SCREENED_CALL_MAX_CHARS, type OrgDetectorSpec } from "@gatehouse/core";

// Issue 62's attacker, shared by apps/api/test/screen-fairness-process.test.ts and bench/screen-fairness.ts: one org's
// costliest permitted detectors (the widest counted repetitions, as many as the saving budget lets in) screen the
// largest permitted call, again and again, while another org's decisions are timed — before, during and after.

/** `(?s).{0,w}\d{5}`: about 2w RE2 instructions that keep ~w threads alive at every character of a text without digits. */
const wide = (i: number, width: number): OrgDetectorSpec => ({ name: `wide_${i}`, class: "secrets", pattern: `(?s).{0,${width}}\\d{5}`, keywords: [], checksum: null });

/** The widest detectors the saving budget admits, widest first, until not even a narrow one fits. */
export function costliestPermittedSet(): OrgDetectorSpec[] {
  const specs: OrgDetectorSpec[] = [];
  for (const width of [145, 100, 60, 30, 15, 8]) {
    while (orgProgramSize([...specs, wide(specs.length, width)]) <= ORG_SCREEN_PROGRAM_BUDGET) specs.push(wide(specs.length, width));
  }
  return specs;
}

/** The largest call the API takes: a body of at most 64 KiB, here one metadata string of letters that no detector matches. */
export function largestCall(): string {
  const overhead = JSON.stringify({ actionType: "pr.open", metadata: { log: "" } }).length;
  return JSON.stringify({ actionType: "pr.open", metadata: { log: "x".repeat(SCREENED_CALL_MAX_CHARS - overhead - 16) } });
}

export interface Phase {
  samples: number[];
  p50: number;
  p99: number;
}

function phase(samples: number[]): Phase {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return { samples, p50: at(50), p99: at(99) };
}

export interface FairnessRun {
  before: Phase;
  during: Phase;
  after: Phase;
  /** The attacker's calls that ended while the victim was timed, by status. */
  attacker: Record<string, number>;
}

/**
 * Times `victimDecision` in three phases of `samples` each: alone, while `attackers` calls of the attacker
 * run back to back (the phase ends once it has its samples and at least one attacker call finished), and
 * alone again.
 */
export async function measureScreenFairness(args: {
  samples: number;
  attackers: number;
  victimDecision: () => Promise<void>;
  attackerCall: () => Promise<number>;
}): Promise<FairnessRun> {
  const timeOne = async () => {
    const started = performance.now();
    await args.victimDecision();
    return performance.now() - started;
  };
  const timed = async (until: () => boolean) => {
    const samples: number[] = [];
    while (samples.length < args.samples || !until()) samples.push(await timeOne());
    return samples;
  };
  const before = await timed(() => true);
  const attacker: Record<string, number> = {};
  let running = true;
  let ended = 0;
  const loops = Array.from({ length: args.attackers }, async () => {
    while (running) {
      const status = await args.attackerCall();
      attacker[String(status)] = (attacker[String(status)] ?? 0) + 1;
      ended += 1;
    }
  });
  const during = await timed(() => ended > 0);
  running = false;
  await Promise.all(loops);
  const after = await timed(() => true);
  return { before: phase(before), during: phase(during), after: phase(after), attacker };
}
