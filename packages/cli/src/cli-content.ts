/**
 * `gatehouse settings content get|set`: what happens to secrets and personal data found in calls
 * (docs/content.md), the console's Settings → Content. They are commands of the settings group
 * (cli-members.ts lists them there): group names are one word each, and these are settings.
 */
import type { OrgSettings, SettingsChangePending } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, UsageError, withConnection } from "./cli-common.ts";
import { defineCommand, type Command } from "./command.ts";

type ContentAction = OrgSettings["content"]["secrets"];

/** Each action, with what it does to a value found (the compiler holds the list to the API's). */
const ACTIONS = {
  deny: "the call is refused (CONTENT_DENIED); nothing of the value is written",
  redact: "the value is replaced by a placeholder before anything is written",
  flag: "the value is kept as sent, and named in the call's findings",
  off: "the class is not looked for",
} as const satisfies Record<ContentAction, string>;

const ACTION_NAMES = Object.keys(ACTIONS).join(", ");

function actionOption(name: string, value: string | undefined): ContentAction | undefined {
  if (value === undefined) return undefined;
  if (!Object.hasOwn(ACTIONS, value)) throw new UsageError(`${name} must be one of ${ACTION_NAMES}, not "${value}"`);
  return value as ContentAction;
}

function formatContent(content: OrgSettings["content"]): string {
  return `Secrets:       ${content.secrets} (${ACTIONS[content.secrets]})
Personal data: ${content.personalData} (${ACTIONS[content.personalData]})
A policy's content rules override these for the calls it matches; the strictest matching one wins.
`;
}

const NOTES = `Gatehouse looks for secrets (provider keys, private keys, tokens, passwords in connection strings)
and personal data (email addresses, phone numbers, card numbers, IBANs, national identifiers) in what
an agent sends, before anything is written, and for each class does one of: ${Object.entries(ACTIONS)
  .map(([action, does]) => `${action} (${does})`)
  .join("; ")}. Unless changed, secrets are redacted and personal data flagged. docs/content.md.`;

export const contentCommands: readonly Command[] = [
  defineCommand({
    name: "content get",
    summary: "Print what happens to secrets and personal data found in calls",
    options: { json: { type: "boolean" } },
    connection: "admin",
    help: withConnection(`Usage: gatehouse settings content get [--json]\n\n${NOTES}\n\nOptions:\n  --json             Print them as JSON ({ secrets, personalData })`),
    async run(io, args, options) {
      noMore(args);
      const settings = await io.admin().settings.get({ signal: io.signal });
      if (options.json) return printJson(io.stdout, settings.content);
      io.stdout(formatContent(settings.content));
      return EXIT_OK;
    },
  }),
  defineCommand({
    name: "content set",
    synopsis: "[--secrets <action>] [--personal-data <action>]",
    summary: "Change what happens to secrets or personal data found in calls",
    options: { secrets: { type: "string" }, "personal-data": { type: "string" }, json: { type: "boolean" } },
    connection: "admin",
    help: withConnection(`Usage: gatehouse settings content set [--secrets <action>] [--personal-data <action>] [--json]

Changes the org's content rules (settings.write: owners, admins); the one not given stays. <action>
is one of ${ACTION_NAMES}. While the org's two-admin rule is on, loosening either (e.g. redact to
flag) weakens enforcement and is not applied yet: it prints the approval another owner or admin must
approve.

${NOTES}

Options:
  --secrets <action>        For secrets
  --personal-data <action>  For personal data
  --json                    Print the answer as JSON (the settings, or the approval that waits)`),
    async run(io, args, options) {
      noMore(args);
      const secrets = actionOption("--secrets", options.secrets);
      const personalData = actionOption("--personal-data", options["personal-data"]);
      if (secrets === undefined && personalData === undefined) throw new UsageError("settings content set needs --secrets <action>, --personal-data <action>, or both");
      const answer = await io
        .admin()
        .settings.update({ content: { ...(secrets === undefined ? {} : { secrets }), ...(personalData === undefined ? {} : { personalData }) } }, { signal: io.signal });
      if (options.json) return printJson(io.stdout, answer);
      if (isPending(answer)) {
        const weakened = answer.weakened.map((w) => w.path).join(", ");
        io.stdout(`Not applied yet: this change weakens enforcement (${weakened}) while the two-admin rule is on.\nAnother owner or admin must approve ${answer.approvalId}.\n`);
        return EXIT_OK;
      }
      io.stdout(`Done.\n${formatContent(answer.content)}`);
      return EXIT_OK;
    },
  }),
];

function isPending(answer: OrgSettings | SettingsChangePending): answer is SettingsChangePending {
  return "status" in answer;
}
