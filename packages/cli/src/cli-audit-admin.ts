/**
 * The audit commands that change the log's keys or its contents, with an org admin key: `audit
 * rotate-key` (a new checkpoint signing key) and `audit erase` (personal or secret data out of the log,
 * which stays verifiable: docs/adr/0023-erasure.md). The audit group (cli-audit.ts) lists them beside
 * the commands any key may run.
 */
import type { GatehouseAdmin } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, shortTime, UsageError, withConnection } from "./cli-common.ts";
import { defineCommand } from "./command.ts";

/** The server's limits on one erasure (it checks them again, naming the field): at most this many entries… */
const ERASURE_MAX_ENTRIES = 1000;
/** …and a subject of at least this many characters, spaces around it not counted (shorter text is found in too much). */
const ERASURE_SUBJECT_MIN = 6;
const ENTRY_ID = /^aud_[A-Za-z0-9]{1,64}$/;

/** What an erasure answers. Read off the client: the package's index does not export the erasure's types by name yet. */
type ErasureOutcome = Awaited<ReturnType<GatehouseAdmin["audit"]["erase"]>>;

export const rotateKeyCommand = defineCommand({
  name: "rotate-key",
  summary: "Retire the org's checkpoint signing key and make a new one",
  options: { json: { type: "boolean" } },
  connection: "admin",
  help: withConnection(`Usage: gatehouse audit rotate-key [--json]

Retires the org's active checkpoint signing key and makes a new one (owners and admins), and signs a
checkpoint with it. The retired key stays listed, and the checkpoints it signed keep verifying with
it. Then update the keys you pinned: gatehouse audit keys > keys.txt. A retry after a lost answer does
not rotate twice.

Options:
  --json             Print the keys and the new checkpoint as JSON ({ keys, checkpoint })`),
  async run(io, args, options) {
    noMore(args);
    const rotation = await io.admin().audit.rotateKey({ signal: io.signal });
    if (options.json) return printJson(io.stdout, rotation);
    const active = rotation.keys.filter((key) => key.status === "active");
    const retired = rotation.keys.filter((key) => key.status === "retired");
    io.stdout(
      [
        "Rotated the org's checkpoint signing key.",
        ...active.map((key) => `Active:  ${key.id}  ${key.vkey}`),
        ...retired.map((key) => `Retired: ${key.id}  ${key.vkey}${key.retiredAt === null ? "" : `  (since ${shortTime(key.retiredAt)})`}`),
        `The first checkpoint signed with the new key: tree size ${rotation.checkpoint.treeSize}, root ${rotation.checkpoint.rootHash}.`,
        "Update the keys you pinned: gatehouse audit keys > keys.txt",
        "",
      ].join("\n"),
    );
    return EXIT_OK;
  },
});

const ERASE_HELP = withConnection(`Usage: gatehouse audit erase <entry-id>… --reason <text> --yes [--json]
       gatehouse audit erase --subject <text> --reason <text> --yes [--json]

Erases personal or secret data from the org's audit log (owners only), keeping the log verifiable:
the values of the fields a decision or an outcome committed to (its metadata, data accessed, the
values its conditions read, an outcome's message) of the entries named (aud_…, at most
${ERASURE_MAX_ENTRIES.toLocaleString("en-US")}), or of every field whose value contains --subject (an email address, a customer id; at
least ${ERASURE_SUBJECT_MIN} characters, found in at most ${ERASURE_MAX_ENTRIES.toLocaleString("en-US")} entries). No hash, checkpoint or proof changes; the erasure
is an entry of its own (audit.erased) naming you, the time and --reason as written, so name no
personal data in the reason. It cannot be undone, hence --yes; copies made before (an export, a
backup) still hold the values. Entries written before the log's second entry format cannot be erased
(refused, naming them). While the two-admin rule is on, nothing is erased until another owner or
admin approves it: it prints that approval. Otherwise any other owners are told by email.

Options:
  --subject <text>   Erase every field holding this text, instead of naming entries
  --reason <text>    Why (required): sealed into the erasure entry as written
  --yes              Confirm: the values are gone for good
  --json             Print the answer as JSON`);

export const eraseCommand = defineCommand({
  name: "erase",
  synopsis: "<entry-id>… | --subject <text>",
  summary: "Erase personal data from the audit log, keeping it verifiable (owners)",
  options: { subject: { type: "string" }, reason: { type: "string" }, yes: { type: "boolean" }, json: { type: "boolean" } },
  connection: "admin",
  help: ERASE_HELP,
  async run(io, args, options) {
    const subject = options.subject;
    if (args.length === 0 && subject === undefined) throw new UsageError("audit erase needs what to erase: entry ids (gatehouse audit erase aud_… --reason …) or --subject <text>");
    if (args.length > 0 && subject !== undefined) throw new UsageError("audit erase takes entry ids or --subject, not both");
    if (args.length > ERASURE_MAX_ENTRIES) throw new UsageError(`audit erase takes at most ${ERASURE_MAX_ENTRIES} entry ids at once, not ${args.length}`);
    const notAnId = args.find((id) => !ENTRY_ID.test(id));
    if (notAnId !== undefined) throw new UsageError(`"${notAnId}" is not an audit entry id (aud_…)`);
    if (subject !== undefined && subject.trim().length < ERASURE_SUBJECT_MIN)
      throw new UsageError(`--subject must be at least ${ERASURE_SUBJECT_MIN} characters (spaces around it not counted): shorter text is found in too much`);
    const reason = options.reason?.trim();
    if (reason === undefined || reason === "")
      throw new UsageError("audit erase needs --reason <text>: why, sealed into the erasure entry as written (name no personal data in it)");
    if (!options.yes) throw new UsageError("audit erase cannot be undone: add --yes to erase for good");
    const answer = await io.admin().audit.erase({ ...(subject === undefined ? { entryIds: [...args] } : { subject }), reason }, { signal: io.signal });
    if (options.json) return printJson(io.stdout, answer);
    io.stdout(describeErasure(answer));
    return EXIT_OK;
  },
});

function describeErasure(answer: ErasureOutcome): string {
  const counts = `${answer.fields} ${answer.fields === 1 ? "field" : "fields"} in ${answer.entries} ${answer.entries === 1 ? "entry" : "entries"}`;
  if (answer.status === "pending_approval") {
    return `Nothing erased yet: the two-admin rule is on. Another owner or admin must approve ${answer.approvalId} to erase ${counts}.\n`;
  }
  if (answer.erasureEntryId === null) return "Nothing left to erase: no field of those entries holds a value any more. Nothing was written.\n";
  return `Erased ${counts}; entry ${answer.erasureEntryId} (seq ${answer.erasureSeq}) records it. Every checkpoint and proof stays valid. Any other owners are told by email.\n`;
}
