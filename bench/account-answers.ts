// `npm run bench:accounts`: how long sign-up, sign-in and "forgot password" take to answer for an
// address without an account, with a verified account, and with an unverified one (issue 23). The
// answers are the same by construction (the tests check that byte for byte); this measures whether
// their timing tells the branches apart. In-process against the services the console's actions call,
// on a fresh database; the three branches are timed in turn within each round, so load on the machine
// falls on all of them alike. Mail goes to the development outbox (no SMTP_URL); what the services do
// after answering (the lookup, a link, the mail) is awaited between calls, outside the timing.
// Writes bench/results/accounts-<timestamp>.json and bench/ACCOUNTS.md.
import { randomBytes } from "node:crypto";
import { benchRun, log, recordResults, timing, type Timing } from "./lib";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const WARM_UP = 3;
const BRANCHES = ["no account", "verified account", "unverified account"] as const;
type Branch = (typeof BRANCHES)[number];
const PASSWORD = "the account's real password";

await benchRun(async ({ machine, env }) => {
  // The services read their configuration on first use: this process is the console here.
  Object.assign(process.env, env);
  const { authenticateUser, closeRateLimiter, db, disconnectDb, requestPasswordReset, signUp, SignInThrottle } = await import("@gatehouse/db");
  const { hashPassword, newId } = await import("@gatehouse/core");
  // Counted like every sign-in, but never refused: the bench makes many failures on purpose.
  const throttle = new SignInThrottle({ perEmail: 1_000_000, perSource: 1_000_000, perDevice: 1_000_000, windowSeconds: 60 });
  const suffix = () => randomBytes(6).toString("hex");
  const passwordHash = await hashPassword(PASSWORD);
  const verified = `known-${suffix()}@example.test`;
  const unverified = `pending-${suffix()}@example.test`;
  await db().user.create({ data: { id: newId("user"), email: verified, name: "Known", passwordHash } });
  await db().user.create({ data: { id: newId("user"), email: unverified, name: "Pending", passwordHash, emailVerifiedAt: null } });
  const address = (branch: Branch) => (branch === "no account" ? `nobody-${suffix()}@example.test` : branch === "verified account" ? verified : unverified);

  /** One call: the time until it answered; then whatever it does after answering, untimed. */
  const forms: Record<string, (email: string) => Promise<() => Promise<unknown>>> = {
    "sign-up": async (email) => {
      const { sent } = await signUp({ input: { email, password: "mallory's long password", name: "Mallory" } });
      return () => sent;
    },
    "sign-in (wrong password)": async (email) => {
      await authenticateUser({ input: { email, password: "not the account's password" }, deps: { throttle } });
      return async () => undefined;
    },
    "forgot password": async (email) => {
      const { sent } = await requestPasswordReset({ input: { email } });
      return () => sent;
    },
  };

  // The baseline, in the same run: one password hash (scrypt, the cost every sign-up and sign-in pays).
  const hashes: number[] = [];
  for (let round = 0; round < WARM_UP + ROUNDS; round += 1) {
    const started = performance.now();
    await hashPassword("a password to hash");
    if (round >= WARM_UP) hashes.push(performance.now() - started);
  }
  const baseline = timing(hashes);
  log(`baseline, one password hash: ${JSON.stringify(baseline)}`);

  const results: Record<string, Record<Branch, Timing> & { spreadOfMediansMs: number }> = {};
  for (const [form, call] of Object.entries(forms)) {
    const samples: Record<Branch, number[]> = { "no account": [], "verified account": [], "unverified account": [] };
    for (let round = 0; round < WARM_UP + ROUNDS; round += 1) {
      for (const branch of BRANCHES) {
        const email = address(branch);
        const started = performance.now();
        const after = await call(email);
        const elapsed = performance.now() - started;
        await after();
        if (round >= WARM_UP) samples[branch].push(elapsed);
      }
    }
    const timed = Object.fromEntries(BRANCHES.map((b) => [b, timing(samples[b])])) as Record<Branch, Timing>;
    const medians = BRANCHES.map((b) => timed[b].p50);
    results[form] = { ...timed, spreadOfMediansMs: Math.round((Math.max(...medians) - Math.min(...medians)) * 100) / 100 };
    log(`${form}: ${JSON.stringify(results[form])}`);
  }
  await closeRateLimiter();
  await disconnectDb();

  recordResults("accounts", "ACCOUNTS", machine.date, { machine, rounds: ROUNDS, baseline: { onePasswordHash: baseline }, results }, (stamp) => {
    const rows = Object.entries(results).flatMap(([form, r]) =>
      BRANCHES.map((b, i) => `| ${i === 0 ? form : ""} | ${b} | ${r[b].p50} | ${r[b].p95} | ${r[b].max} | ${i === 0 ? r.spreadOfMediansMs : ""} |`),
    );
    return `# Account answers: the same time whether or not an address has an account (issue 23)

\`npm run bench:accounts\` — ${ROUNDS} timed rounds (after ${WARM_UP} warm-up rounds); in each round the three
branches are called in turn, in-process against the services the console's actions call, on a fresh
database. Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.node}, load ${machine.loadavgAtStart.join(" ")} at start.
Results: \`bench/results/accounts-${stamp}.json\`.

What makes the times alike: sign-up hashes the password (scrypt) in every branch and creates the
account, or looks up and mails the taken address's owner, only after answering; sign-in verifies against a dummy
hash with the same cost when there is no account; "forgot password" looks the address up only after
answering. The tests assert the same work (one hash, one verification) and the identical answers; this
page is the wall-clock check, kept out of the tests.

| form | address | p50 ms | p95 ms | max ms | spread of the medians (ms) |
|---|---|---|---|---|---|
| baseline: one password hash | | ${baseline.p50} | ${baseline.p95} | ${baseline.max} | |
${rows.join("\n")}

The spread of the medians is to be read against the baseline and the load: on a shared machine the
p95 and max move by more than the spread between branches, in whichever branch the load fell on.
`;
  });
});
