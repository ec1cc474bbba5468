import { describe, expect, it } from "vitest";
import { migrationTarget, parseDbEnv } from "../src/infra/env";

// Where `npm run db:migrate` connects and which role it grants (docs/deploying.md, Two database roles), as a table over
// the settings. Production never falls into one role by leaving a setting unset; choosing it takes the owner's URL
// set to DATABASE_URL. Pure: environments are passed in.

const DATABASE_URL = "postgresql://gatehouse_app:runtime@127.0.0.1:5432/gatehouse";
const DATABASE_OWNER_URL = "postgresql://gatehouse:owner@127.0.0.1:5432/gatehouse";

describe("the migration's target", () => {
  // [environment, what db:migrate does]
  const cases: Array<[string, Record<string, string>, ReturnType<typeof migrationTarget> | "refused"]> = [
    ["two roles, in production", { DATABASE_OWNER_URL, NODE_ENV: "production" }, { url: DATABASE_OWNER_URL, runtimeUrl: DATABASE_URL }],
    ["two roles, elsewhere", { DATABASE_OWNER_URL }, { url: DATABASE_OWNER_URL, runtimeUrl: DATABASE_URL }],
    [
      "one role chosen in production (the owner's URL is DATABASE_URL)",
      { DATABASE_OWNER_URL: DATABASE_URL, NODE_ENV: "production" },
      { url: DATABASE_URL, runtimeUrl: DATABASE_URL },
    ],
    ["one role by default outside production (npm start, the tests)", {}, { url: DATABASE_URL }],
    ["one role by default, started for development", { GATEHOUSE_DEVELOPMENT: "1" }, { url: DATABASE_URL }],
    ["one role by default, started for development with NODE_ENV=production (npm start)", { GATEHOUSE_DEVELOPMENT: "1", NODE_ENV: "production" }, { url: DATABASE_URL }],
    ["no owner in production", { NODE_ENV: "production" }, "refused"],
    ["a blank owner in production", { DATABASE_OWNER_URL: "", NODE_ENV: "production" }, "refused"],
  ];

  it.each(cases)("%s", (_name, source, expected) => {
    const target = migrationTarget(parseDbEnv({ DATABASE_URL, ...source }));
    if (expected !== "refused") {
      expect(target).toEqual(expected);
      return;
    }
    expect("problem" in target && target.problem).toMatch(
      /^DATABASE_OWNER_URL is not set, and NODE_ENV is production: .*set DATABASE_OWNER_URL to DATABASE_URL to run with one role/,
    );
  });

  it("refuses an owner's URL that is not PostgreSQL's, naming it", () => {
    expect(() => parseDbEnv({ DATABASE_URL, DATABASE_OWNER_URL: "mysql://root@db/gatehouse" })).toThrow(/DATABASE_OWNER_URL.*must be a postgresql:\/\/ URL/);
  });
});
