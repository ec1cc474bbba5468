import { describe, expect, it } from "vitest";
import { signupModeOf } from "../src/accounts/signup-mode";
import { consoleOrigin, deploymentProblems, mailTransportOf, parseDbEnv } from "../src/infra/env";

// What a process that mails links refuses to start with (deploymentProblems, called by serviceEnv in
// the API, the worker and the console), as tables over the settings. Pure: environments are passed in.

const DATABASE_URL = "postgresql://gatehouse:secret@127.0.0.1:5432/gatehouse";
const SMTP_URL = "smtp://mailer:secret@mail.example.test:587";
/** A production environment that starts: every safety variable set. */
const PRODUCTION = { DATABASE_URL, NODE_ENV: "production", GATEHOUSE_CONSOLE_URL: "https://gatehouse.example.test", GATEHOUSE_SIGNUP: "invite", SMTP_URL };

const envOf = (source: Record<string, string | undefined>) => parseDbEnv(source);
const transportOf = (source: Record<string, string | undefined>) => {
  const mail = mailTransportOf(envOf({ DATABASE_URL, ...source }));
  return "transport" in mail ? mail.transport : "refused";
};

describe("the mail transport", () => {
  // [environment, transport or "refused"]: the development outbox only when started for development,
  // never because SMTP_URL is unset; production without a mail server refuses unless mail is turned off.
  const cases: Array<[Record<string, string>, string]> = [
    [{ SMTP_URL }, "smtp"],
    [{ SMTP_URL, NODE_ENV: "production" }, "smtp"],
    [{ SMTP_URL, GATEHOUSE_DEVELOPMENT: "1" }, "smtp"],
    [{ GATEHOUSE_DEVELOPMENT: "1" }, "outbox"],
    [{ GATEHOUSE_DEVELOPMENT: "1", NODE_ENV: "production" }, "outbox"],
    [{}, "off"],
    [{ NODE_ENV: "test" }, "off"],
    [{ NODE_ENV: "production" }, "refused"],
    [{ NODE_ENV: "production", SMTP_URL: "" }, "refused"],
    [{ NODE_ENV: "production", GATEHOUSE_DEVELOPMENT: "0" }, "refused"],
    [{ NODE_ENV: "production", GATEHOUSE_DEVELOPMENT: "" }, "refused"],
    [{ NODE_ENV: "production", MAIL_TRANSPORT: "off" }, "off"],
    [{ NODE_ENV: "production", MAIL_TRANSPORT: "outbox" }, "refused"],
    [{ MAIL_TRANSPORT: "outbox" }, "refused"],
    [{ MAIL_TRANSPORT: "outbox", GATEHOUSE_DEVELOPMENT: "1" }, "outbox"],
    [{ MAIL_TRANSPORT: "smtp" }, "refused"],
    [{ MAIL_TRANSPORT: "smtp", SMTP_URL }, "smtp"],
    [{ MAIL_TRANSPORT: "off", SMTP_URL }, "refused"],
    [{ MAIL_TRANSPORT: "off", GATEHOUSE_DEVELOPMENT: "1" }, "off"],
  ];
  it.each(cases)("%j → %s", (source, expected) => {
    expect(transportOf(source)).toBe(expected);
  });

  it.each([
    ["MAIL_TRANSPORT", "log"],
    ["MAIL_TRANSPORT", "dev"],
    ["GATEHOUSE_DEVELOPMENT", "true"],
    ["GATEHOUSE_DEVELOPMENT", "yes"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(() => envOf({ DATABASE_URL, [name]: value })).toThrow(new RegExp(`${name}: must be`));
  });
});

describe("production refuses to start without its safety settings", () => {
  it("starts with all of them", () => {
    expect(deploymentProblems(envOf(PRODUCTION))).toEqual([]);
  });

  // [variable left out, what the refusal says]
  const missing: Array<[keyof typeof PRODUCTION, RegExp]> = [
    ["GATEHOUSE_CONSOLE_URL", /^GATEHOUSE_CONSOLE_URL is not set, and NODE_ENV is production: .*never with a request's Host header/],
    ["GATEHOUSE_SIGNUP", /^GATEHOUSE_SIGNUP is not set, and NODE_ENV is production: choose who may create accounts/],
    ["SMTP_URL", /^SMTP_URL is not set, and NODE_ENV is production: .*MAIL_TRANSPORT=off/],
  ];
  it.each(missing)("without %s: one problem naming it", (name, message) => {
    const problems = deploymentProblems(envOf({ ...PRODUCTION, [name]: undefined }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it.each(missing)("with %s empty (as docker compose passes an unset `${VAR:-}`): the same refusal", (name, message) => {
    expect(deploymentProblems(envOf({ ...PRODUCTION, [name]: "" }))).toEqual([expect.stringMatching(message)]);
  });

  it("names every missing one at once", () => {
    expect(deploymentProblems(envOf({ DATABASE_URL, NODE_ENV: "production" }))).toHaveLength(3);
  });

  it("outside production, or started for development, asks for none of them", () => {
    expect(deploymentProblems(envOf({ DATABASE_URL }))).toEqual([]);
    expect(deploymentProblems(envOf({ DATABASE_URL, NODE_ENV: "production", GATEHOUSE_DEVELOPMENT: "1", GATEHOUSE_CONSOLE_URL: "http://localhost:3000" }))).toEqual([]);
  });
});

describe("the console origin every mailed link starts with", () => {
  it.each([
    ["https://gatehouse.example.test", "https://gatehouse.example.test"],
    ["https://gatehouse.example.test/", "https://gatehouse.example.test"],
    ["https://GATEHOUSE.example.test:8443", "https://gatehouse.example.test:8443"],
    ["http://localhost:3000", "http://localhost:3000"],
  ])("%s → %s", (configured, origin) => {
    expect(consoleOrigin(envOf({ ...PRODUCTION, GATEHOUSE_CONSOLE_URL: configured }))).toBe(origin);
  });

  it.each([
    "https://gatehouse.example.test/console",
    "https://gatehouse.example.test/?next=x",
    "https://gatehouse.example.test/#x",
    "ftp://gatehouse.example.test",
    "javascript:alert(1)",
    "gatehouse.example.test",
  ])("refuses %s, naming GATEHOUSE_CONSOLE_URL", (configured) => {
    expect(() => envOf({ DATABASE_URL, GATEHOUSE_CONSOLE_URL: configured })).toThrow(/GATEHOUSE_CONSOLE_URL: must be/);
  });

  it("is http://localhost:$WEB_PORT outside production when unset, and never guessed in production", () => {
    expect(consoleOrigin(envOf({ DATABASE_URL, WEB_PORT: "3100" }))).toBe("http://localhost:3100");
    expect(() => consoleOrigin(envOf({ DATABASE_URL, NODE_ENV: "production" }))).toThrow(/GATEHOUSE_CONSOLE_URL is not set/);
  });
});

describe("the sign-up mode", () => {
  it.each([
    [{}, "open"],
    [{ GATEHOUSE_DEVELOPMENT: "1", NODE_ENV: "production" }, "open"],
    [{ NODE_ENV: "production" }, "invite"],
    [{ NODE_ENV: "production", GATEHOUSE_SIGNUP: "open" }, "open"],
    [{ GATEHOUSE_SIGNUP: "off" }, "off"],
  ])("%j → %s", (source, mode) => {
    expect(signupModeOf(envOf({ DATABASE_URL, ...source }))).toBe(mode);
  });
});
