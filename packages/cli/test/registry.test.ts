import { describe, expect, it } from "vitest";
import { cliFamilies } from "../../../scripts/test/embedded-cases.ts";
import { EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { defineCommand, usageOf, type CommandGroup } from "../src/command.ts";
import { GROUPS, mainHelp, parserOptions } from "../src/registry.ts";
import { runCli } from "./helpers.ts";

const COMMANDS = GROUPS.flatMap((group) => group.commands.map((command) => ({ group, command })));
const label = (group: CommandGroup, name: string): string => [group.name, name].filter(Boolean).join(" ");

describe("the command registry", () => {
  it("gatehouse help and --help list every registered command with its summary", async () => {
    for (const argv of [["help"], ["--help"]]) {
      const run = await runCli(argv, [], { env: {} });
      expect([run.code, run.stderr]).toEqual([EXIT_OK, ""]);
      for (const { group, command } of COMMANDS) {
        const line = run.stdout.split("\n").find((l) => l.startsWith(`  ${usageOf(group.name, command)} `) || l === `  ${usageOf(group.name, command)}`);
        expect(line, label(group, command.name)).toBeDefined();
        expect(run.stdout, label(group, command.name)).toContain(command.summary);
      }
    }
  });

  it("the families npm start's smoke test runs are the registered groups", () => {
    expect(cliFamilies(mainHelp())).toEqual(GROUPS.map((g) => g.name).sort());
  });

  it("each group's help (gatehouse <group> --help, gatehouse help <group>) lists its commands; without a command it goes to stderr, exit 2", async () => {
    for (const group of GROUPS.filter((g) => g.commands.some((c) => c.name !== ""))) {
      const asked = await runCli([group.name, "--help"], [], { env: {} });
      const viaHelp = await runCli(["help", group.name], [], { env: {} });
      expect([asked.code, viaHelp.code, viaHelp.stdout]).toEqual([EXIT_OK, EXIT_OK, asked.stdout]);
      expect(asked.stdout.startsWith(`Usage: gatehouse ${group.name} `)).toBe(true);
      const lines = asked.stdout.split("\n");
      for (const command of group.commands) {
        const usage = `  ${usageOf(group.name, command, false)}`;
        expect(
          lines.find((l) => l === usage || l.startsWith(`${usage} `)),
          label(group, command.name),
        ).toBeDefined();
        expect(asked.stdout, label(group, command.name)).toContain(command.summary);
      }
      const bare = await runCli([group.name], [], { env: {} });
      expect([bare.code, bare.stdout, bare.stderr]).toEqual([EXIT_USAGE, "", asked.stdout]);
    }
  });

  it("each command's help comes from its registration: <command> --help, -h and gatehouse help <command>", async () => {
    for (const { group, command } of COMMANDS) {
      const words = [group.name, ...(command.name === "" ? [] : command.name.split(" "))];
      for (const argv of [
        [...words, "--help"],
        [...words, "-h"],
        ["help", ...words],
      ]) {
        const run = await runCli(argv, [], { env: {} });
        expect([argv.join(" "), run.code, run.stdout, run.calls.length]).toEqual([argv.join(" "), EXIT_OK, command.help, 0]);
        expect(run.stdout.startsWith(`Usage: gatehouse ${group.name}`), argv.join(" ")).toBe(true);
      }
    }
  });

  it.each<[string, string[], string]>([
    ["an unknown command", ["deploy"], 'error: unknown command "deploy"\nRun gatehouse --help for usage.\n'],
    ["help for an unknown command", ["help", "deploy"], 'error: unknown command "deploy"\nRun gatehouse --help for usage.\n'],
    ["an unknown command of a group", ["agents", "delete", "agt_1"], 'error: unknown command "agents delete"\nRun gatehouse --help for usage.\n'],
    ["an option no command takes", ["agents", "list", "--frobnicate"], "error: unknown option --frobnicate\nRun gatehouse --help for usage.\n"],
    ["an option of another command", ["agents", "list", "--slug", "x"], "error: agents list does not take --slug\nRun gatehouse --help for usage.\n"],
    [
      "a connection option to an offline command",
      ["policies", "test", "p.yaml", "--api-key", "gh_admin_x"],
      "error: policies test does not take --api-key\nRun gatehouse --help for usage.\n",
    ],
  ])("%s fails with a message naming it, exit status 2, no call", async (_case, argv, stderr) => {
    const run = await runCli(argv, []);
    expect([run.code, run.stdout, run.stderr, run.calls.length]).toEqual([EXIT_USAGE, "", stderr, 0]);
  });

  it("gives each command its own options, typed: a switch, a value (the last), a repeatable value (all)", async () => {
    let seen: unknown;
    const probe = defineCommand({
      name: "",
      summary: "probe",
      options: { dry: { type: "boolean" }, one: { type: "string" }, many: { type: "string", multiple: true } },
      connection: "none",
      help: "Usage: probe\n",
      run: (_io, args, options) => {
        const dry: boolean = options.dry;
        const one: string | undefined = options.one;
        const many: string[] = options.many;
        seen = { args, dry, one, many };
        return EXIT_OK;
      },
    });
    const groups = [{ name: "probe", commands: [probe] }];
    const parser = parserOptions(groups);
    expect(Object.keys(parser).sort()).toEqual(["dry", "help", "many", "one", "version"]);
    const { optionValues, parseCommandLine, resolve } = await import("../src/registry.ts");
    const resolved = resolve(["probe", "x"], groups);
    expect(resolved.command).toBe(probe);
    const given = new Map<string, string[] | true>([
      ["one", ["a", "b"]],
      ["many", ["c", "d"]],
    ]);
    await probe.run({} as never, resolved.command ? resolved.args : [], optionValues(groups[0] as CommandGroup, probe, given) as never);
    expect(seen).toEqual({ args: ["x"], dry: false, one: "b", many: ["c", "d"] });
    expect(parseCommandLine(["--json", "--key", "k1", "--key", "k2"]).given).toEqual(
      new Map<string, unknown>([
        ["json", true],
        ["key", ["k1", "k2"]],
      ]),
    );
  });

  it("refuses a registry where one option name has two types", () => {
    const a = defineCommand({ name: "a", summary: "", options: { json: { type: "boolean" } }, connection: "none", help: "", run: () => EXIT_OK });
    const b = defineCommand({ name: "b", summary: "", options: { json: { type: "string" } }, connection: "none", help: "", run: () => EXIT_OK });
    expect(() => parserOptions([{ name: "g", commands: [a, b] }])).toThrow("--json is a boolean option in one command and a string in another");
    expect(() => parserOptions()).not.toThrow();
  });
});
