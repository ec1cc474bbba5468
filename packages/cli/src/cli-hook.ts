/**
 * `gatehouse hook claude-code|codex`: Gatehouse as a coding agent's PreToolUse command hook. Reads the
 * hook's payload on stdin, has the API's `POST /v1/hooks/:agent` decide it with the agent's key (so the
 * command and Claude Code's http hook decide alike), waits for a person when a policy asks for one,
 * and prints the answer in the hook's format. Fails closed: whatever goes wrong (no key, the API
 * unreachable, a malformed payload) is printed as a deny, so the tool does not run.
 * `gatehouse hook setup claude-code|codex` prints the settings that install it.
 */
import { CODING_AGENTS, hookFailure, preToolUseSchema, type CodingAgent, type HookAnswer } from "@gatehouse/core";
import { DEFAULT_BASE_URL } from "@gatehouse/sdk";
import { EXIT_OK, UsageError } from "./cli-common.ts";
import { CONNECTION_OPTION_SPECS, defineCommand, type CliIo, type CommandGroup } from "./command.ts";
import { VERSION } from "./version.ts";

/** How long the command waits for a person by default: well inside the timeout the setup snippet gives the hook. */
const DEFAULT_WAIT_SECONDS = 300;
/** The hook's timeout in the setup snippet: the wait plus room for the calls around it. */
const timeoutFor = (waitSeconds: number) => waitSeconds + 30;

const AGENT_NAMES: Record<CodingAgent, string> = { "claude-code": "Claude Code", codex: "Codex" };

function codingAgent(word: string | undefined): CodingAgent {
  if (word !== undefined && (CODING_AGENTS as readonly string[]).includes(word)) return word as CodingAgent;
  throw new UsageError(`name the coding agent: ${CODING_AGENTS.join(" or ")}${word === undefined ? "" : ` (not '${word}')`}`);
}

function waitSecondsOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WAIT_SECONDS;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) throw new UsageError("--wait must be a whole number of seconds from 0 to 3600");
  return seconds;
}

export const HOOK_HELP = `Usage: gatehouse hook claude-code|codex [--wait <seconds>]
       gatehouse hook setup claude-code|codex [--http] [--wait <seconds>]

Gatehouse as the PreToolUse hook of a coding agent: reads the hook's JSON on stdin, asks Gatehouse
with the agent's key (an agent's gh_… key), and prints allow, deny (with the reason the model reads)
or ask. Tools are decided as tool.<name> (Bash as tool.bash), MCP tools (mcp__<server>__<tool>) as
mcp.<server>.<tool>. When a policy asks for a person, it waits up to --wait seconds (default
${DEFAULT_WAIT_SECONDS}) for the decision in the console; still pending, it denies and tells the model to make the
same call again once approved (the same call in the same session finds the same approval, and an
approval lets one call through). It never answers ask: the person at the terminal is not the approver
the policy named. Anything that stops Gatehouse from deciding (no key, the API unreachable or slow, a
malformed payload or answer) is a deny: the tool does not run.

setup prints the settings that install the hook, with the key: for Claude Code the JSON to merge into
.claude/settings.local.json (kept out of git), for Codex the TOML for ~/.codex/config.toml. --http
prints Claude Code's http hook on POST /v1/hooks/claude-code instead of the command (note: Claude Code
runs the tool when an http hook cannot be reached, so the command hook is the one that fails closed).

Options:
  --wait <seconds>   How long to wait for a person (0-3600). Default: ${DEFAULT_WAIT_SECONDS}
  --http             (setup) Claude Code's http hook instead of the command

Connection (gatehouse login's saved key is an admin's, so it is not used here):
  --api-key <key>    The agent's key (gh_…). Default: $GATEHOUSE_API_KEY
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else ${DEFAULT_BASE_URL}
`;

/** The API's answer when it is a hook decision (allow or deny, with its reason); undefined for anything else. */
function decisionOf(body: unknown): HookAnswer | undefined {
  const output = (body as { hookSpecificOutput?: Partial<HookAnswer["hookSpecificOutput"]> } | null)?.hookSpecificOutput;
  if (output?.hookEventName !== "PreToolUse" || typeof output.permissionDecisionReason !== "string") return undefined;
  if (output.permissionDecision !== "allow" && output.permissionDecision !== "deny") return undefined;
  return { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: output.permissionDecision, permissionDecisionReason: output.permissionDecisionReason } };
}

/** The longest one call to the API holds for a person (the API's own bound); the command asks again until --wait runs out. */
const HOLD_SECONDS = 25;
/** How long past its hold one call may take before the command gives up on it (and denies). */
const CALL_MARGIN_MS = 10_000;

/**
 * Decides one payload through the API's `POST /v1/hooks/:agent` (the same decision as Claude Code's
 * http hook, re-attaching to the same approval on each ask), asking again while the approval is
 * pending and --wait has time left. Every failure becomes the deny the hook prints.
 */
async function decide(io: CliIo, agent: CodingAgent, waitSeconds: number): Promise<HookAnswer> {
  let payload: unknown;
  try {
    payload = JSON.parse(await io.readStdin());
  } catch {
    return hookFailure("the hook's input is not JSON");
  }
  const parsed = preToolUseSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return hookFailure(`${issue?.path.join(".") || "the payload"} ${issue?.message ?? "is not a PreToolUse payload"}`);
  }
  try {
    const { apiKey, baseUrl = DEFAULT_BASE_URL } = io.connection("<an agent's gh_… key>");
    if (apiKey.startsWith("gh_admin_")) return hookFailure("the hook needs an agent's key (gh_…), not an org admin key");
    const deadline = io.now() + waitSeconds * 1000;
    for (;;) {
      const hold = Math.max(0, Math.min(HOLD_SECONDS, Math.ceil((deadline - io.now()) / 1000)));
      const url = `${baseUrl.replace(/\/+$/, "")}/v1/hooks/${agent}?waitSeconds=${hold}`;
      // A call that hangs (an API or a network that stops answering) ends as a deny, inside the hook's own timeout.
      const timeout = AbortSignal.timeout(hold * 1000 + CALL_MARGIN_MS);
      const response = await io.fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "x-gatehouse-integration": `${agent}/${VERSION}` },
        body: JSON.stringify(parsed.data),
        signal: io.signal ? AbortSignal.any([io.signal, timeout]) : timeout,
      });
      const text = await response.text();
      const status = response.headers.get("x-gatehouse-status");
      // Only an answer Gatehouse gave counts: anything else (a proxy's page, an empty object) is a deny.
      const answer = response.status === 200 && status !== null ? decisionOf(JSON.parse(text)) : undefined;
      if (answer === undefined) return hookFailure(`the API answered ${response.status} without a decision`);
      if (status !== "requested" || hold === 0 || io.now() >= deadline) return answer;
    }
  } catch (error) {
    return hookFailure(error instanceof Error ? error.message : String(error));
  }
}

const decideCommand = (agent: CodingAgent) =>
  defineCommand({
    name: agent,
    synopsis: "[--wait <seconds>]",
    summary: `${AGENT_NAMES[agent]}'s PreToolUse hook: decide the tool call on stdin`,
    options: { wait: { type: "string" }, ...CONNECTION_OPTION_SPECS },
    // Reads no credentials file: gatehouse login saves an admin's key, and a broken file must not stop the hook (which would let the tool run).
    connection: "none",
    help: HOOK_HELP,
    async run(io, args, options) {
      if (args.length > 0) throw new UsageError(`unexpected argument: ${args[0]}`);
      const answer = await decide(io, agent, waitSecondsOf(options.wait));
      io.stdout(`${JSON.stringify(answer)}\n`);
      return EXIT_OK;
    },
  });

/** The settings snippet for one agent, with the key. */
export function hookSettings(agent: CodingAgent, connection: { apiKey: string; baseUrl: string }, options: { http: boolean; waitSeconds: number }): string {
  const env = `GATEHOUSE_API_KEY=${connection.apiKey} GATEHOUSE_BASE_URL=${connection.baseUrl}`;
  // `|| exit 2`: should the command itself fail to run (not on PATH, killed), exit status 2 blocks the call; any other would let it run.
  const command = `${env} gatehouse hook ${agent}${options.waitSeconds === DEFAULT_WAIT_SECONDS ? "" : ` --wait ${options.waitSeconds}`} || exit 2`;
  if (agent === "codex") {
    if (options.http) throw new UsageError("Codex has command hooks only: leave out --http");
    return `# Merge into ~/.codex/config.toml (it holds the agent's key: keep it private).
[[hooks.PreToolUse]]
[[hooks.PreToolUse.hooks]]
type = "command"
command = ${JSON.stringify(command)}
timeout = ${timeoutFor(options.waitSeconds)}
`;
  }
  const hook = options.http
    ? {
        type: "http",
        url: `${connection.baseUrl}/v1/hooks/claude-code?waitSeconds=${Math.min(25, options.waitSeconds)}`,
        headers: { Authorization: `Bearer ${connection.apiKey}` },
        timeout: 60,
      }
    : { type: "command", command, timeout: timeoutFor(options.waitSeconds) };
  const settings = { hooks: { PreToolUse: [{ matcher: "*", hooks: [hook] }] } };
  return `// Merge into .claude/settings.local.json (it holds the agent's key: keep it out of git).\n${JSON.stringify(settings, null, 2)}\n`;
}

const setup = defineCommand({
  name: "setup",
  synopsis: "claude-code|codex [--http] [--wait <seconds>]",
  summary: "Print the settings that install the hook, with the key",
  options: { http: { type: "boolean" }, wait: { type: "string" }, ...CONNECTION_OPTION_SPECS },
  connection: "none",
  help: HOOK_HELP,
  run(io, args, options) {
    const [word, ...rest] = args;
    if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
    const agent = codingAgent(word);
    const { apiKey, baseUrl } = io.connection("<an agent's gh_… key>");
    if (apiKey.startsWith("gh_admin_")) throw new UsageError("the hook acts as an agent: pass an agent's key (gh_…), not an org admin key");
    io.stdout(hookSettings(agent, { apiKey, baseUrl: baseUrl ?? DEFAULT_BASE_URL }, { http: options.http === true, waitSeconds: waitSecondsOf(options.wait) }));
    return EXIT_OK;
  },
});

export const hookGroup: CommandGroup = {
  name: "hook",
  commands: [decideCommand("claude-code"), decideCommand("codex"), setup],
  notes: "Takes an agent's key (gh_…): the coding agent acts as that agent. docs/integrations/coding-agents.md has the whole setup.",
};
