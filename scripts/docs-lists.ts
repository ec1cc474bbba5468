// The lists the documents keep of things that exist in code are made from that code. `npm run openapi`
// (after scripts/openapi.ts) writes each between its markers (./docs-blocks.ts):
//   docs/audit.md         the entry types and the denial reasons, with what each says (core's AUDIT_ENTRY_TYPES, DENIAL_REASONS);
//   docs/events.md        the event types, each with the entry types it comes from and its data fields (core's EVENT_DEFINITIONS);
//   docs/architecture.md  the denial reasons (which wins first, when the table says), the entry types by subject,
//                         the SDK's clients and resources (read from the classes of @gatehouse/sdk themselves),
//                         and the CLI's command groups (GROUPS, packages/cli/src/registry.ts: the list the CLI itself runs from).
// README.md's map of folders stays written by hand, and is checked: a row, with a description, for every folder
// of the workspaces, and no row for a folder that is not there.
// `npm run openapi:check` (CI, .ci/run) runs this with --check: it fails when a committed document differs from
// what the code makes, or the map and the folders disagree, naming the block or the folder.
// --root <dir> reads (and writes) the documents and the folders under <dir> instead of the repository: the
// house test (scripts/test/house/docs-lists.test.ts) checks drifted copies with it. Run with the
// `@gatehouse/source` condition (package.json does), so @gatehouse/sdk is its source, not a build.
// Nothing here has effects on import: the CLI's registry only builds its tables, the clients are made
// with a placeholder key and no heartbeat, and no request is sent.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { AUDIT_ENTRY_TYPE_NAMES, AUDIT_ENTRY_TYPES, DENIAL_REASON_CODES, DENIAL_REASONS, EVENT_DEFINITIONS } from "@gatehouse/core";
import { DelegatedAgent, Gatehouse, GatehouseAdmin, RunClient } from "@gatehouse/sdk";
import { GROUPS } from "../packages/cli/src/registry.ts";
import type { Command, Connection } from "../packages/cli/src/command.ts";
import { cell, fillBlocks, folderMapProblems, GENERATING_COMMAND, staleBlocks, table, type Block } from "./docs-blocks.ts";

// ---------------------------------------------------------------------------------------------
// Core: entry types and denial reasons

const code = (text: string) => `\`${cell(text)}\``;
const codes = (names: readonly string[]) => names.map(code).join(", ");

/** docs/audit.md's tables: every entry type and every denial reason, each with what it says. */
function auditBlocks(): Block[] {
  return [
    {
      name: "entry-types",
      from: "AUDIT_ENTRY_TYPES",
      text: table(
        ["type", "what it records"],
        AUDIT_ENTRY_TYPE_NAMES.map((type) => [code(type), cell(AUDIT_ENTRY_TYPES[type].summary)]),
      ),
    },
    {
      name: "denial-reasons",
      from: "DENIAL_REASONS",
      text: table(
        ["code", "phase", 'the action result says "Denied: …"'],
        DENIAL_REASON_CODES.map((reason) => [code(reason), DENIAL_REASONS[reason].phase, cell(DENIAL_REASONS[reason].text)]),
      ),
    },
  ];
}

/**
 * Each denial reason with its precedence (lower wins when several reasons apply to one call). Typed
 * optional so that this script also runs on a table without the column (before it landed); with it,
 * every reason must have one, the list follows it and the table gets its "which wins" column.
 */
function denialReasonsInOrder(): Array<{ code: string; phase: string; text: string; precedence: number | undefined }> {
  const reasons = DENIAL_REASON_CODES.map((reason) => {
    const entry: { phase: string; text: string; precedence?: number } = DENIAL_REASONS[reason];
    return { code: reason, phase: entry.phase, text: entry.text, precedence: entry.precedence };
  });
  const ranked = reasons.filter((reason) => reason.precedence !== undefined).length;
  if (ranked === 0) return reasons;
  if (ranked !== reasons.length) throw new Error("DENIAL_REASONS: some reasons have a precedence and some do not");
  return reasons.toSorted((a, b) => (a.precedence ?? 0) - (b.precedence ?? 0));
}

function architectureCoreBlocks(): Block[] {
  const reasons = denialReasonsInOrder();
  const ranked = reasons[0]?.precedence !== undefined;
  // The entry types by subject (the part of the type before its first dot), subjects in the union's order.
  const subjects = new Map<string, string[]>();
  for (const type of AUDIT_ENTRY_TYPE_NAMES) {
    const subject = type.split(".")[0] ?? type;
    subjects.set(subject, [...(subjects.get(subject) ?? []), type]);
  }
  return [
    {
      name: "denial-reasons",
      from: `DENIAL_REASONS, packages/core/src/actions/denial-reasons.ts${ranked ? ", lowest precedence first" : ""}`,
      text: ranked
        ? table(
            ["which wins", "code", "phase", 'the action result says "Denied: …"'],
            reasons.map((reason) => [String(reason.precedence), code(reason.code), reason.phase, cell(reason.text)]),
          )
        : table(
            ["code", "phase", 'the action result says "Denied: …"'],
            reasons.map((reason) => [code(reason.code), reason.phase, cell(reason.text)]),
          ),
    },
    {
      name: "entry-types",
      from: "AUDIT_ENTRY_TYPES, packages/core/src/audit/entry-types.ts",
      text: table(
        ["subject", "entry types"],
        [...subjects].map(([subject, types]) => [subject, codes(types)]),
      ),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// The SDK: its clients' methods and resources, read from the classes

type Members = Record<string, unknown>;

/** A prototype's own methods, in the order the class declares them (the constructor and accessors aside). */
function methodsOf(prototype: object): string[] {
  return Object.getOwnPropertyNames(prototype).filter((name) => name !== "constructor" && typeof Object.getOwnPropertyDescriptor(prototype, name)?.value === "function");
}

/** A prototype's own accessors (`get id()`). */
function accessorsOf(prototype: object): string[] {
  return Object.getOwnPropertyNames(prototype).filter((name) => Object.getOwnPropertyDescriptor(prototype, name)?.get !== undefined);
}

/** A client's resources (its object-valued fields, nested ones as `agents.keys`), each with its methods. */
function resourcesOf(client: object, prefix = ""): Array<[resource: string, methods: string[]]> {
  return Object.entries(client as Members).flatMap(([name, value]): Array<[string, string[]]> => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
    const members = Object.entries(value as Members);
    const methods = members.filter(([, member]) => typeof member === "function").map(([method]) => method);
    const nested = resourcesOf(value, `${prefix}${name}.`);
    return methods.length === 0 && nested.length === 0 ? [] : [[`${prefix}${name}`, methods], ...nested];
  });
}

function sdkBlock(): Block {
  const agent = new Gatehouse({ apiKey: "gh_docs", heartbeat: false });
  const admin = new GatehouseAdmin({ apiKey: "gh_admin_docs" });
  const statics = Object.getOwnPropertyNames(Gatehouse).filter((name) => typeof (Gatehouse as unknown as Members)[name] === "function");
  const delegated = DelegatedAgent.prototype;
  const rows: string[][] = [
    [code("Gatehouse"), "(the client)", codes(methodsOf(Gatehouse.prototype))],
    ...resourcesOf(agent).map(([resource, methods]) => [code("Gatehouse"), code(resource), codes(methods)]),
    [code("Gatehouse"), "static", codes(statics.map((name) => `Gatehouse.${name}`))],
    [
      code("DelegatedAgent"),
      "(a `Gatehouse` on the child's key)",
      [codes(methodsOf(delegated)), ...(accessorsOf(delegated).length > 0 ? [`and the fields ${codes(accessorsOf(delegated))}`] : [])].join(", "),
    ],
    [code("RunClient"), "(a `Gatehouse` whose calls join the run)", codes(methodsOf(RunClient.prototype))],
    [code("GatehouseAdmin"), "(the client)", codes(methodsOf(GatehouseAdmin.prototype))],
    ...resourcesOf(admin).map(([resource, methods]) => [code("GatehouseAdmin"), code(resource), codes(methods)]),
  ];
  return { name: "sdk", from: "the classes Gatehouse, DelegatedAgent, RunClient and GatehouseAdmin of @gatehouse/sdk", text: table(["client", "resource", "methods"], rows) };
}

/** docs/events.md's table: every event type, the audit entries it is a projection of, and the fields of its data. */
function eventsBlock(): Block {
  const rows = EVENT_DEFINITIONS.map((definition) => [code(definition.type), codes(Object.keys(definition.from)), codes(Object.keys(definition.fields))]);
  return {
    name: "event-types",
    from: "EVENT_DEFINITIONS, packages/core/src/events/event-types.ts",
    text: table(["event", "from the entries", "data (beside seq, type, at, agentId)"], rows),
  };
}

// ---------------------------------------------------------------------------------------------
// The CLI: its command groups, from the registry the CLI runs from

/** What a command calls the API with (`none`: it runs offline, or reads its key itself). */
const KEYS: Record<Connection, string> = { admin: "admin key", any: "any key of the org", none: "none" };

function cliBlock(): Block {
  const rows = GROUPS.map((group) => {
    // The key most of the group's commands call with; a command that differs says its own.
    const counts = new Map<Connection, number>();
    for (const command of group.commands) counts.set(command.connection, (counts.get(command.connection) ?? 0) + 1);
    const usual = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "admin";
    // A group that is one command (`tail`) shows as it is typed, with the group's name.
    const usage = (command: Command) => [command.name === "" ? group.name : command.name, command.synopsis ?? ""].filter((part) => part !== "").join(" ");
    const commands = group.commands.map((command) => (command.connection === usual ? code(usage(command)) : `${code(usage(command))} (key: ${KEYS[command.connection]})`));
    return [code(group.name), commands.join(", "), KEYS[usual]];
  });
  return { name: "cli", from: "GROUPS, packages/cli/src/registry.ts", text: table(["group", "commands", "key"], rows) };
}

// ---------------------------------------------------------------------------------------------

const at = process.argv.indexOf("--root");
const root = at >= 0 ? resolve(process.argv[at + 1] ?? ".") : process.cwd();
const check = process.argv.includes("--check");

const documents: Record<string, Block[]> = {
  "docs/audit.md": auditBlocks(),
  "docs/events.md": [eventsBlock()],
  "docs/architecture.md": [...architectureCoreBlocks(), sdkBlock(), cliBlock()],
};

const problems: string[] = [];
for (const [file, blocks] of Object.entries(documents)) {
  const committed = readFileSync(join(root, file), "utf8");
  const { text, missing } = fillBlocks(committed, blocks);
  for (const name of missing)
    problems.push(`${file} has no generated block "${name}" (its markers <!-- ${name}:start … --> and <!-- ${name}:end --> are gone): put them back where the list goes`);
  if (text === committed) continue;
  if (check) {
    const stale = staleBlocks(committed, text, blocks);
    problems.push(
      `${file} is stale: its generated ${stale.map((name) => `"${name}"`).join(", ")} differ${stale.length === 1 ? "s" : ""} from the code. Run \`${GENERATING_COMMAND}\` and commit the result.`,
    );
  } else {
    writeFileSync(join(root, file), text);
    console.log(`wrote the generated lists of ${file}`);
  }
}
problems.push(...folderMapProblems(root, readFileSync(join(root, "README.md"), "utf8")));

for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
console.log(`${Object.keys(documents).join(" and ")} list what the code has; README.md's map of folders names every folder there is`);
