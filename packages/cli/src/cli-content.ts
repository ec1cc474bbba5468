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

type Confidence = NonNullable<OrgSettings["content"]["minConfidence"]>;

/** Each minimum confidence, with which findings `redact` and `deny` act on (docs/content-detectors.md, "Confidence"). */
const CONFIDENCES = {
  low: "every finding counts",
  medium: "a finding of the generic high-entropy rule is only flagged",
  high: "only self-identifying or check-digit formats are redacted or refused; the rest only flagged",
} as const satisfies Record<Confidence, string>;

const CONFIDENCE_NAMES = Object.keys(CONFIDENCES).join(", ");

function confidenceOption(value: string | undefined): Confidence | undefined {
  if (value === undefined) return undefined;
  if (!Object.hasOwn(CONFIDENCES, value)) throw new UsageError(`--min-confidence must be one of ${CONFIDENCE_NAMES}, not "${value}"`);
  return value as Confidence;
}

function actionOption(name: string, value: string | undefined): ContentAction | undefined {
  if (value === undefined) return undefined;
  if (!Object.hasOwn(ACTIONS, value)) throw new UsageError(`${name} must be one of ${ACTION_NAMES}, not "${value}"`);
  return value as ContentAction;
}

function formatContent(content: OrgSettings["content"]): string {
  // An API older than the prompt rules answers none: nothing is printed for them.
  const prompts =
    content.promptSecrets === undefined || content.promptPersonalData === undefined
      ? ""
      : `In prompts to model providers (the model-client wrappers, docs/guardrails.md):
  secrets:       ${content.promptSecrets} (${ACTIONS[content.promptSecrets]})
  personal data: ${content.promptPersonalData} (${ACTIONS[content.promptPersonalData]})
`;
  // An API older than the minimum confidence answers none: nothing is printed for it.
  const confidence = content.minConfidence === undefined ? "" : `Minimum confidence: ${content.minConfidence} (${CONFIDENCES[content.minConfidence]})\n`;
  return `Secrets:       ${content.secrets} (${ACTIONS[content.secrets]})
Personal data: ${content.personalData} (${ACTIONS[content.personalData]})
${prompts}${confidence}A policy's content rules override these for the calls it matches; the strictest matching one wins.
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
    synopsis: "[--secrets <action>] [--personal-data <action>] [--prompt-secrets <action>] [--prompt-personal-data <action>] [--min-confidence <level>]",
    summary: "Change what happens to secrets or personal data found in calls or in prompts",
    options: {
      secrets: { type: "string" },
      "personal-data": { type: "string" },
      "prompt-secrets": { type: "string" },
      "prompt-personal-data": { type: "string" },
      "min-confidence": { type: "string" },
      json: { type: "boolean" },
    },
    connection: "admin",
    help: withConnection(`Usage: gatehouse settings content set [--secrets <action>] [--personal-data <action>] [--prompt-secrets <action>] [--prompt-personal-data <action>] [--min-confidence <level>] [--json]

Changes the org's content rules (settings.write: owners, admins); those not given stay. <action>
is one of ${ACTION_NAMES}; <level> one of ${CONFIDENCE_NAMES}. While the org's two-admin rule is on,
loosening any (e.g. redact to flag) or raising the minimum confidence weakens enforcement and is not applied yet: it prints the approval another owner or admin must
approve.

${NOTES}

Options:
  --secrets <action>               For secrets in what agents send Gatehouse
  --personal-data <action>         For personal data in what agents send Gatehouse
  --prompt-secrets <action>        For secrets in prompts the model-client wrappers send a provider (docs/guardrails.md)
  --prompt-personal-data <action>  For personal data in those prompts (redacted personal data is restored in the answer)
  --min-confidence <level>         The least confidence a finding needs for redact or deny to act on it; below it,
                                   flagged (docs/content-detectors.md, "Confidence"): ${Object.entries(CONFIDENCES)
                                     .map(([level, does]) => `${level} (${does})`)
                                     .join("; ")}
  --json                           Print the answer as JSON (the settings, or the approval that waits)`),
    async run(io, args, options) {
      noMore(args);
      const given = {
        secrets: actionOption("--secrets", options.secrets),
        personalData: actionOption("--personal-data", options["personal-data"]),
        promptSecrets: actionOption("--prompt-secrets", options["prompt-secrets"]),
        promptPersonalData: actionOption("--prompt-personal-data", options["prompt-personal-data"]),
        minConfidence: confidenceOption(options["min-confidence"]),
      };
      const content = Object.fromEntries(Object.entries(given).filter(([, action]) => action !== undefined));
      if (Object.keys(content).length === 0) {
        throw new UsageError(
          "settings content set needs at least one of --secrets, --personal-data, --prompt-secrets, --prompt-personal-data <action> or --min-confidence <level>",
        );
      }
      const answer = await io.admin().settings.update({ content }, { signal: io.signal });
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
