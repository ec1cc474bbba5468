// Part of `npm run bench:overview` (bench/overview.ts runs it with DATABASE_URL set): counts the seeded
// log into the rollups with the worker's job, then times getOverview (each range) and getPosture
// in-process, interleaved with SELECT 1 on the same pool. Prints one JSON line.
import { closeSignals, db, disconnectDb, getOverview, getPosture, rollUpDecisions, type Ctx } from "@gatehouse/db";
import { timing } from "./lib";

const setup = JSON.parse(process.env.BENCH_ORG ?? "{}") as { orgId: string; slug: string; ownerMembershipId: string; ownerUserId: string };
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);

const started = performance.now();
let counted = 0;
for (;;) {
  const n = await rollUpDecisions();
  if (n === 0) break;
  counted += n;
}
const seconds = (performance.now() - started) / 1000;
const rows = await db().decisionRollup.count({ where: { orgId: setup.orgId } });

const org = await db().org.findUniqueOrThrow({ where: { id: setup.orgId }, select: { id: true, slug: true, name: true } });
const ctx: Ctx = { org, actor: { type: "user", userId: setup.ownerUserId, membershipId: setup.ownerMembershipId, role: "owner" }, requestId: "bench" };

const time = async (work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return performance.now() - t;
};
const trivial = () => db().$queryRawUnsafe("SELECT 1");
const ranges = ["24h", "7d", "30d"] as const;
for (let i = 0; i < 3; i += 1) {
  for (const range of ranges) await getOverview({ ctx, range });
  await getPosture({ ctx });
}
const samples = { trivial: [] as number[], posture: [] as number[], "24h": [] as number[], "7d": [] as number[], "30d": [] as number[] };
for (let i = 0; i < ITERATIONS; i += 1) {
  samples.trivial.push(await time(trivial));
  for (const range of ranges) samples[range].push(await time(() => getOverview({ ctx, range })));
  samples.posture.push(await time(() => getPosture({ ctx })));
}
console.log(
  JSON.stringify({
    rollup: { entries: counted, seconds: Math.round(seconds * 100) / 100, entriesPerSecond: Math.round(counted / seconds), rows },
    trivial: timing(samples.trivial),
    overview: { "24h": timing(samples["24h"]), "7d": timing(samples["7d"]), "30d": timing(samples["30d"]) },
    posture: timing(samples.posture),
  }),
);
await disconnectDb();
await closeSignals();
