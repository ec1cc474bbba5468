/** `gatehouse policies library`: the template library and its compliance packs, and one template as a policy file. */
import { formatPolicySource } from "@gatehouse/core";
import type { PolicyLibrary, PolicyTemplate } from "@gatehouse/sdk";
import { EXIT_OK, noMore, printJson, table, UsageError } from "./cli-common.ts";
import { defineCommand } from "./command.ts";
import type { PolicyFileFormat } from "./policy-file.ts";

const LIBRARY_HELP = `Usage: gatehouse policies library [--pack <id>] [--json]
       gatehouse policies library show <template> [--format yaml|json]

Lists the policy template library: each template's id, title, packs and how many policies and
tests it holds. With --pack, only the templates of that pack, after the pack's controls and the
templates that address each (packs: agentic-risks, soc2-change-management, eu-ai-act-art14, hipaa-phi).

show prints one template as a policy file with its tests, its rationale in comments: merge it into
your own file (its policy names start with the template id, so templates combine), check it with
gatehouse policies test <file>, then gatehouse policies apply <file>.

Options:
  --pack <id>               Only this pack's templates
  --json                    Print the answer as JSON
  --format yaml|json        For show: the file's format (default yaml)
`;

/** The template list as a person reads it. */
export function formatLibrary(library: PolicyLibrary, packId?: string): string {
  const pack = packId === undefined ? undefined : library.packs.find((p) => p.id === packId);
  const inPack = pack ? new Set(pack.controls.flatMap((c) => c.templates)) : undefined;
  const templates = inPack ? library.templates.filter((t) => inPack.has(t.id)) : library.templates;
  const lines: string[] = [];
  if (pack) {
    lines.push(`${pack.title} (${pack.framework})`, "", ...wrap(pack.description, 98), "", "Controls:");
    for (const control of pack.controls) lines.push(`  ${control.id}`, ...wrap(control.title, 94).map((l) => `    ${l}`), `    templates: ${control.templates.join(", ")}`);
    lines.push("");
  }
  lines.push(
    table(
      ["ID", "TITLE", "PACKS", "POLICIES", "TESTS"],
      templates.map((t) => [t.id, t.title, t.packs.join(","), String(t.policies.length), String(t.tests.length)]),
    ).trimEnd(),
  );
  if (!pack) lines.push("", `Packs: ${library.packs.map((p) => p.id).join(", ")} (gatehouse policies library --pack <id>)`);
  lines.push("", "Print one as a policy file: gatehouse policies library show <id>");
  return `${lines.join("\n")}\n`;
}

/** Test requests without the fields left at their defaults, as an author writes them. */
function compactTest(test: PolicyTemplate["tests"][number]): Record<string, unknown> {
  const { agent, agentLabels, metadata, dataAccessed, actionType } = test.request;
  const request: Record<string, unknown> = { actionType };
  if (agent !== "test-agent") request.agent = agent;
  if (Object.keys(agentLabels).length > 0) request.agentLabels = agentLabels;
  if (Object.keys(metadata).length > 0) request.metadata = metadata;
  if (dataAccessed.length > 0) request.dataAccessed = dataAccessed;
  return { name: test.name, request, expect: test.expect };
}

/** One template as a policy file `{ policies, tests }`; YAML starts with its title, rationale and packs as comments. */
export function formatTemplateFile(template: PolicyTemplate, format: PolicyFileFormat): string {
  const file = formatPolicySource({ policies: template.policies, tests: template.tests.map(compactTest) }, format);
  if (format === "json") return file;
  const header = [
    `${template.title} (library template ${template.id})`,
    "",
    ...wrap(template.summary, 96),
    "",
    ...wrap(template.rationale, 96),
    "",
    `Packs: ${template.packs.join(", ")}`,
    "Check with: gatehouse policies test <file>; publish with: gatehouse policies apply <file>",
  ].map((line) => (line === "" ? "#" : `# ${line}`));
  return `${header.join("\n")}\n${file}`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

export const libraryCommand = defineCommand({
  name: "library",
  synopsis: "[--pack <id>]",
  summary: "List the policy template library and its compliance packs",
  options: { pack: { type: "string" }, json: { type: "boolean" } },
  connection: "admin",
  help: LIBRARY_HELP,
  async run(io, args, options) {
    // `library show` is its own command: any other word here is not one.
    if (args[0] !== undefined) throw new UsageError(`unknown command "policies library ${args[0]}"`);
    const packId = options.pack;
    const library = await io.admin().policies.library({ signal: io.signal });
    if (packId !== undefined && !library.packs.some((p) => p.id === packId)) {
      throw new UsageError(`no pack "${packId}": the packs are ${library.packs.map((p) => p.id).join(", ")}`);
    }
    if (options.json) {
      const inPack = packId === undefined ? undefined : new Set(library.packs.filter((p) => p.id === packId).flatMap((p) => p.controls.flatMap((c) => c.templates)));
      return printJson(io.stdout, inPack ? { templates: library.templates.filter((t) => inPack.has(t.id)), packs: library.packs.filter((p) => p.id === packId) } : library);
    }
    io.stdout(formatLibrary(library, packId));
    return EXIT_OK;
  },
});

export const libraryShowCommand = defineCommand({
  name: "library show",
  synopsis: "<id>",
  summary: "Print a library template as a policy file with its tests",
  options: { format: { type: "string" } },
  connection: "admin",
  help: LIBRARY_HELP,
  async run(io, args, options) {
    const [id, ...extra] = args;
    if (id === undefined) throw new UsageError("policies library show needs a template id: gatehouse policies library show <id>");
    noMore(extra);
    const format = options.format ?? "yaml";
    if (format !== "json" && format !== "yaml") throw new UsageError(`--format must be json or yaml, not "${format}"`);
    const library = await io.admin().policies.library({ signal: io.signal });
    const template = library.templates.find((t) => t.id === id);
    if (!template) throw new UsageError(`no template "${id}" in the library: the templates are ${library.templates.map((t) => t.id).join(", ")}`);
    io.stdout(formatTemplateFile(template, format));
    return EXIT_OK;
  },
});
