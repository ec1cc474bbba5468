/**
 * The MCP proxy: an MCP server to the client in front, an MCP client of the server behind, and a
 * Gatehouse decision on every `tools/call` in between (docs/integrations/mcp.md).
 *
 * - `tools/list` passes through, each tool marked `taskSupport: "optional"`, with the proxy's own
 *   `gatehouse_await_approval` first; `hideDenied` leaves out the tools no arguments could make usable.
 * - `tools/call` is decided as `mcp.<server>.<tool>` with `{ arguments, annotations }` and the call's
 *   digest (call-gate.ts keys it so that asking again re-attaches). Denied: an error result with the
 *   reason. Allowed: forwarded, and its outcome reported. Held for approval: waited on for up to
 *   `waitSeconds`, with progress notifications when the client sent a progress token; then run, or
 *   refused with the reviewer's reason, or answered with the approval to resume through
 *   `gatehouse_await_approval`.
 * - A task-augmented `tools/call` (protocol 2025-11-25) answers a task at once and waits without a
 *   time limit: the task's status names the approval, its result is the call's.
 *
 * Nothing the client sends can approve a call: the proxy never asks the client (no elicitation,
 * no sampling); approvals are decided by people in Gatehouse.
 */
import { screenToolOutputFor, type screenToolOutput } from "@gatehouse/sdk/model-call";
import {
  APIUserAbortError,
  ApprovalTimeoutError,
  argsDigest,
  rewrittenArguments,
  DeniedError,
  NotFoundError,
  toolActionSegment,
  type ActionResult,
  type Approval,
  type CheckResult,
  type Gatehouse,
} from "@gatehouse/sdk";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTaskStore } from "@modelcontextprotocol/sdk/experimental/tasks";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  ListToolsRequestSchema,
  ToolListChangedNotificationSchema,
  type CallToolRequest,
  type CallToolResult,
  type CreateTaskResult,
  type ListToolsResult,
  type ServerNotification,
  type ServerRequest,
  type Task,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import {
  AWAIT_TOOL_NAME,
  decisionMeta,
  DECISION_META,
  deniedAnswer,
  failedAnswer,
  notRunAnswer,
  outcomeMessage,
  pendingAnswer,
  reviewerDeniedAnswer,
  approvalUrlOf,
} from "./answers.ts";
import { CallGate, type Held, type PreparedCall } from "./call-gate.ts";
import { PROXY_INTEGRATION, VERSION } from "./version.ts";

/** Options of {@link GatehouseMcpProxy}. */
export interface GatehouseMcpProxyOptions {
  /** A client on the agent's key (`gh_…`); the proxy names itself on it as `mcp-proxy/<version>`. */
  gatehouse: Gatehouse;
  /** A connected client of the server behind the proxy ({@link connectDownstream}). */
  downstream: Client;
  /**
   * The server's name in action types (`mcp.<serverName>.<tool>`), in snake_case (`toolActionSegment`),
   * at most 40 characters. Default: the name the server gives in its `initialize` answer.
   */
  serverName?: string;
  /** Leave out of `tools/list` the tools the policies deny whatever the arguments (docs/integrations/mcp.md). Default: `false`. */
  hideDenied?: boolean;
  /** How long a `tools/call` waits for a pending approval before answering that it is waiting, in seconds. Default: 50. */
  waitSeconds?: number;
  /** The action type of a tool. Default: `mcp.<server>.<tool>`, the tool's name in snake_case. */
  actionType?: (tool: string, server: string) => string;
  /**
   * What policies test and the log keeps of a call (leave secrets out here). Default:
   * `{ arguments, annotations }`, the annotations as the server declares them (`{}` without).
   */
  metadata?: (args: Record<string, unknown>, tool: Tool | undefined) => Record<string, unknown>;
  /** Told what went wrong outside a call's answer (an outcome that could not be reported). Default: ignored. */
  onError?: (error: unknown) => void;
}

const DEFAULT_WAIT_SECONDS = 50;
/** How often a waiting call tells a client that sent a progress token that it is still waiting. */
const PROGRESS_EVERY_MS = 5_000;
/** How long a task is kept: a task waits on its approval as long as the approval lives (the org's timeout, hours). */
const TASK_TTL_MS = 24 * 60 * 60 * 1000;
const TASK_POLL_MS = 1_000;
/** The `_meta` key of a client's session (conversation) id: part of a held call's key when sent. */
const SESSION_META = "gatehouse/session";
const MAX_SERVER_SEGMENT = 40;
/** Action types are at most 128 characters. */
const MAX_ACTION_TYPE = 128;
const APPROVAL_ID = /^apr_[0-9A-Za-z]{22}$/;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** How one call waits and reports: a plain request (bounded, progress notifications) or a task (unbounded, task status). */
interface Wait {
  /** When to stop waiting for a pending approval (ms since the epoch); undefined: until the approval ends. */
  deadline: number | undefined;
  signal: AbortSignal;
  /** Says what the call waits for: at once, then every few seconds when `repeat`. */
  waiting: ((text: string, elapsedSeconds: number) => Promise<void>) | undefined;
  repeat: boolean;
  extra: Extra;
}

/** A call held for approval in this process: what `gatehouse_await_approval` resumes. */
interface HeldCall {
  call: PreparedCall;
  generation: number | undefined;
  result: ActionResult;
}

/** The proxy's own tool. */
const AWAIT_TOOL: Tool = {
  name: AWAIT_TOOL_NAME,
  title: "Wait for a Gatehouse approval",
  description:
    "Resumes a tool call that Gatehouse held for a person's approval: waits for the decision and, once the call is approved, runs it and returns its result (a denial returns the reviewer's reason). Pass the approvalId the held call answered with.",
  inputSchema: {
    type: "object",
    properties: {
      approvalId: { type: "string", description: "The approval the held call named (apr_…)." },
      waitSeconds: { type: "number", minimum: 0, description: "How long to wait for the decision, in seconds; at most the proxy's wait." },
      arguments: {
        type: "object",
        description: "The held call's arguments. Needed only when the proxy no longer holds the call (it restarted); they must be the ones approved.",
      },
    },
    required: ["approvalId"],
    additionalProperties: false,
  },
  execution: { taskSupport: "optional" },
};

/** A task store whose tasks' work stops when the client cancels them (`tasks/cancel`). */
class CancellableTaskStore extends InMemoryTaskStore {
  readonly #controllers = new Map<string, AbortController>();

  signalOf(taskId: string): AbortSignal {
    const controller = new AbortController();
    this.#controllers.set(taskId, controller);
    return controller.signal;
  }

  forget(taskId: string): void {
    this.#controllers.delete(taskId);
  }

  override async updateTaskStatus(taskId: string, status: Task["status"], statusMessage?: string, sessionId?: string): Promise<void> {
    await super.updateTaskStatus(taskId, status, statusMessage, sessionId);
    if (status === "cancelled") this.#controllers.get(taskId)?.abort();
  }

  /** Stops every task's work, and drops the tasks. */
  override cleanup(): void {
    for (const controller of this.#controllers.values()) controller.abort();
    this.#controllers.clear();
    super.cleanup();
  }
}

/**
 * The proxy, shared by every client connection: {@link server} makes the MCP server for one
 * connection (stdio has one; Streamable HTTP one per session). Calls held for approval, and which
 * approvals have run, are the proxy's, so any connection can resume any held call.
 */
export class GatehouseMcpProxy {
  /** The server's segment of the action types: `mcp.<serverName>.<tool>`. */
  readonly serverName: string;
  readonly #gatehouse: Gatehouse;
  readonly #downstream: Client;
  readonly #gate: CallGate;
  readonly #hideDenied: boolean;
  readonly #waitMs: number;
  readonly #actionType: (tool: string, server: string) => string;
  readonly #metadata: (args: Record<string, unknown>, tool: Tool | undefined) => Record<string, unknown>;
  readonly #onError: (error: unknown) => void;
  /** The tools of the server behind, by name, as last listed (their annotations go into the metadata). */
  readonly #tools = new Map<string, Tool>();
  readonly #held = new Map<string, HeldCall>();
  readonly #servers = new Set<Server>();
  readonly #tasks = new CancellableTaskStore();
  /** The client as the caller gave it: the key of the org's detectors, read once a minute for every screen of the same client. */
  readonly #given: Gatehouse;

  constructor(options: GatehouseMcpProxyOptions) {
    const waitSeconds = options.waitSeconds ?? DEFAULT_WAIT_SECONDS;
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new RangeError("waitSeconds must be a number of seconds ≥ 0");
    this.#gatehouse = options.gatehouse.withIntegration(PROXY_INTEGRATION);
    this.#given = options.gatehouse;
    this.#downstream = options.downstream;
    this.#gate = new CallGate(this.#gatehouse);
    this.#hideDenied = options.hideDenied ?? false;
    this.#waitMs = waitSeconds * 1000;
    this.#actionType = options.actionType ?? defaultActionType;
    this.#metadata = options.metadata ?? ((args, tool) => ({ arguments: args, annotations: tool?.annotations ?? {} }));
    this.#onError = options.onError ?? (() => {});
    this.serverName = toolActionSegment(options.serverName ?? options.downstream.getServerVersion()?.name ?? "server").slice(0, MAX_SERVER_SEGMENT);
    options.downstream.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      this.#tools.clear();
      await Promise.all([...this.#servers].map((server) => server.sendToolListChanged().catch(this.#onError)));
    });
  }

  /** A new MCP server for one client connection; connect it to a transport (`StdioServerTransport`, `StreamableHTTPServerTransport`). */
  server(): Server {
    const info = this.#downstream.getServerVersion();
    const name = info?.name ?? this.serverName;
    const instructions = [
      this.#downstream.getInstructions(),
      `Every tool call goes through Gatehouse: a policy may deny it, or hold it until a person approves. A held call answers with an approval id; call ${AWAIT_TOOL_NAME} with it to wait for the decision and run the call.`,
    ].filter((text) => text !== undefined && text !== "");
    const server = new Server(
      { name, title: `${info?.title ?? name} (through Gatehouse)`, version: info?.version ?? VERSION },
      {
        capabilities: { tools: { listChanged: true }, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
        instructions: instructions.join("\n\n"),
        taskStore: this.#tasks,
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, (request) => this.#listTools(request.params?.cursor));
    server.setRequestHandler(CallToolRequestSchema, (request, extra) => this.#call(request.params, extra));
    this.#servers.add(server);
    const closed = server.onclose;
    server.onclose = () => {
      this.#servers.delete(server);
      closed?.();
    };
    return server;
  }

  /** Closes every connection's server and drops the tasks; the downstream client is the caller's to close. */
  async close(): Promise<void> {
    await Promise.all([...this.#servers].map((server) => server.close()));
    this.#tasks.cleanup();
  }

  async #listTools(cursor: string | undefined): Promise<ListToolsResult> {
    const page = await this.#downstream.listTools(cursor === undefined ? undefined : { cursor });
    const tools = page.tools.filter((tool) => tool.name !== AWAIT_TOOL_NAME);
    for (const tool of tools) this.#tools.set(tool.name, tool);
    const shown = this.#hideDenied ? await this.#usable(tools) : tools;
    const listed = shown.map((tool) => ({ ...tool, execution: { ...tool.execution, taskSupport: "optional" as const } }));
    return { tools: cursor === undefined ? [AWAIT_TOOL, ...listed] : listed, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  }

  /** The tools that are not {@link neverUsable}, each asked about with `canI` without arguments. */
  async #usable(tools: Tool[]): Promise<Tool[]> {
    const verdicts = await Promise.all(
      tools.map(async (tool) => {
        try {
          const check = await this.#gatehouse.canI(this.#actionTypeOf(tool.name), { metadata: this.#metadata({}, tool) });
          return !neverUsable(check);
        } catch (error) {
          // Listing is not deciding: a tool whose check failed is shown, and its calls are decided.
          this.#onError(error);
          return true;
        }
      }),
    );
    return tools.filter((_, i) => verdicts[i]);
  }

  #actionTypeOf(tool: string): string {
    return this.#actionType(tool, this.serverName);
  }

  async #toolNamed(name: string): Promise<Tool | undefined> {
    if (!this.#tools.has(name)) {
      let cursor: string | undefined;
      do {
        const page = await this.#downstream.listTools(cursor === undefined ? undefined : { cursor });
        for (const tool of page.tools) this.#tools.set(tool.name, tool);
        cursor = page.nextCursor;
      } while (cursor !== undefined && !this.#tools.has(name));
    }
    return this.#tools.get(name);
  }

  async #prepare(name: string, args: Record<string, unknown>, session: string | undefined): Promise<PreparedCall> {
    const tool = await this.#toolNamed(name);
    return CallGate.prepare({ name, args, server: this.serverName, session, actionType: this.#actionTypeOf(name), metadata: this.#metadata(args, tool) });
  }

  async #call(params: CallToolRequest["params"], extra: Extra): Promise<CallToolResult | CreateTaskResult> {
    const args = params.arguments ?? {};
    const session = sessionOf(params._meta);
    const run = (wait: Wait) => (params.name === AWAIT_TOOL_NAME ? this.#resume(args, session, wait) : this.#gated(params.name, args, session, wait));
    const store = extra.taskStore;
    if (params.task === undefined || store === undefined) {
      const token = extra._meta?.progressToken;
      return run({
        deadline: Date.now() + this.#waitMs,
        signal: extra.signal,
        waiting:
          token === undefined
            ? undefined
            : (text, elapsed) => extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: elapsed, message: text } }),
        repeat: true,
        extra,
      });
    }
    const task = await store.createTask({ ttl: Math.max(extra.taskRequestedTtl ?? 0, TASK_TTL_MS), pollInterval: TASK_POLL_MS });
    const signal = this.#tasks.signalOf(task.taskId);
    void run({ deadline: undefined, signal, waiting: (text) => store.updateTaskStatus(task.taskId, "working", text), repeat: false, extra })
      .then((answer) => (signal.aborted ? undefined : store.storeTaskResult(task.taskId, "completed", answer)))
      .catch((error: unknown) => {
        if (!signal.aborted) this.#onError(error);
      })
      .finally(() => this.#tasks.forget(task.taskId));
    return { task };
  }

  /** A call of a tool of the server behind: decided, then run, refused or held. */
  async #gated(name: string, args: Record<string, unknown>, session: string | undefined, wait: Wait): Promise<CallToolResult> {
    let call: PreparedCall;
    let held: Held;
    try {
      call = await this.#prepare(name, args, session);
    } catch (error) {
      // Without the tool's annotations the policies would decide on other facts: fail closed.
      return notRunAnswer(`The proxy could not read ${name}'s definition from the server behind it, so it was not run: ${messageOf(error)}.`);
    }
    try {
      held = await this.#gate.decide(call);
    } catch (error) {
      return notRunAnswer(`Gatehouse could not decide on ${name}, so it was not run: ${messageOf(error)}. Try again later.`);
    }
    let result = held.result;
    if (result.status === "denied") return deniedAnswer(name, result);
    if (result.status === "requested") {
      const approvalId = result.approvalId ?? "";
      this.#held.set(approvalId, { call, generation: held.generation, result });
      const waited = await this.#waitFor({ call, generation: held.generation, result }, wait);
      if (!("status" in waited)) return waited.answer;
      result = waited;
    }
    return this.#runDecided(call, result, held.generation, wait);
  }

  /** `gatehouse_await_approval`: waits for a held call's approval, then runs that call (never other arguments). */
  async #resume(input: Record<string, unknown>, session: string | undefined, wait: Wait): Promise<CallToolResult> {
    const approvalId = input["approvalId"];
    const waitSeconds = input["waitSeconds"];
    const given = input["arguments"];
    if (typeof approvalId !== "string" || !APPROVAL_ID.test(approvalId)) {
      return notRunAnswer(`${AWAIT_TOOL_NAME} needs the approvalId a held call answered with (apr_ and 22 letters or digits).`);
    }
    if (waitSeconds !== undefined && (typeof waitSeconds !== "number" || !Number.isFinite(waitSeconds) || waitSeconds < 0)) {
      return notRunAnswer(`waitSeconds must be a number of seconds ≥ 0.`);
    }
    if (given !== undefined && !isRecord(given)) return notRunAnswer(`arguments must be the held call's arguments object.`);
    const own = wait.deadline === undefined || waitSeconds === undefined ? wait : { ...wait, deadline: Math.min(wait.deadline, Date.now() + waitSeconds * 1000) };

    let held = this.#held.get(approvalId);
    if (held !== undefined) {
      if (given !== undefined && (await argsDigest(given)) !== held.call.described.tool.argsDigest) return notRunAnswer(mismatch(approvalId, held.call.name));
    } else {
      if (given === undefined) {
        return notRunAnswer(
          `This proxy holds no call for approval ${approvalId} (it may have restarted since). Call the tool again with the same arguments, which picks up the same approval, or call ${AWAIT_TOOL_NAME} again with the call's "arguments".`,
        );
      }
      let approval: Approval;
      try {
        approval = await this.#gatehouse.approval(approvalId);
      } catch (error) {
        if (error instanceof NotFoundError) return notRunAnswer(`Gatehouse knows no approval ${approvalId} of this agent, so nothing was run.`);
        return notRunAnswer(`Gatehouse could not be asked about approval ${approvalId}, so nothing was run: ${messageOf(error)}. Try again later.`);
      }
      const name = approval.tool?.name;
      if (name === undefined || name === null || approval.actionType !== this.#actionTypeOf(name)) {
        return notRunAnswer(`Approval ${approvalId} is not for a tool of this server (it is for ${approval.actionType}), so nothing was run.`);
      }
      let call: PreparedCall;
      try {
        call = await this.#prepare(name, given, session);
      } catch (error) {
        return notRunAnswer(`The proxy could not read ${name}'s definition from the server behind it, so nothing was run: ${messageOf(error)}.`);
      }
      try {
        // Given for these arguments, as sent or as the policies rewrote them.
        await rewrittenArguments(approval.result, { name: call.name, args: call.args, argsDigest: call.described.tool.argsDigest });
      } catch {
        return notRunAnswer(mismatch(approvalId, name));
      }
      held = { call, generation: undefined, result: approval.result };
    }
    const waited = await this.#waitFor(held, own);
    if (!("status" in waited)) return waited.answer;
    if (!this.#held.has(approvalId)) {
      // Resumed from the client's arguments: the call may have run in a process before this one.
      try {
        if (await this.#gate.isUsed(waited)) return notRunAnswer(usedUp(approvalId, held.call.name));
      } catch (error) {
        return notRunAnswer(`Gatehouse could not say whether approval ${approvalId} was used already, so nothing was run: ${messageOf(error)}. Try again later.`);
      }
    }
    return this.#runDecided(held.call, waited, held.generation, wait);
  }

  /**
   * Waits for a held call's approval: the executed result once approved, or the answer to give
   * instead (a reviewer's denial, still pending, Gatehouse unreachable). A client's cancellation is
   * rethrown: no answer goes out for a cancelled request.
   */
  async #waitFor(held: HeldCall, wait: Wait): Promise<ActionResult | { answer: CallToolResult }> {
    const approvalId = held.result.approvalId ?? "";
    const url = approvalUrlOf(held.result);
    const text = `Waiting for approval ${approvalId} of ${held.call.name}${url === undefined ? "" : `: a person decides at ${url}`}`;
    const started = Date.now();
    const say = (): void => {
      wait.waiting?.(text, (Date.now() - started) / 1000).catch(this.#onError);
    };
    say();
    const timer = wait.repeat && wait.waiting !== undefined ? setInterval(say, PROGRESS_EVERY_MS) : undefined;
    try {
      return await this.#gatehouse.waitForApproval(approvalId, { ...(wait.deadline === undefined ? {} : { deadline: wait.deadline }), signal: wait.signal });
    } catch (error) {
      if (error instanceof DeniedError) {
        this.#held.delete(approvalId);
        this.#gate.spend(held.call, held.generation);
        return { answer: reviewerDeniedAnswer(held.call.name, error) };
      }
      if (error instanceof ApprovalTimeoutError) return { answer: pendingAnswer(held.call.name, held.result) };
      if (error instanceof APIUserAbortError || wait.signal.aborted) throw error;
      return {
        answer: notRunAnswer(
          `Gatehouse could not say whether approval ${approvalId} was granted, so ${held.call.name} was not run: ${messageOf(error)}. Call ${AWAIT_TOOL_NAME} with {"approvalId":"${approvalId}"} to try again.`,
        ),
      };
    } finally {
      clearInterval(timer);
    }
  }

  /** Runs an allowed or approved call on the server behind and reports how it went. An approval runs its call once. */
  async #runDecided(decided: PreparedCall, result: ActionResult, generation: number | undefined, wait: Wait): Promise<CallToolResult> {
    // The call runs with the arguments the decision is bound to: as sent, or as its policies rewrote them (docs/policies.md, Rewriting a call).
    let call = decided;
    try {
      const args = await rewrittenArguments(result, { name: decided.name, args: decided.args, argsDigest: decided.described.tool.argsDigest });
      if ((result.rewritten?.changes.length ?? 0) > 0) call = { ...decided, args: args as Record<string, unknown> };
    } catch (error) {
      return notRunAnswer(result.approvalId !== undefined ? mismatch(result.approvalId, decided.name) : `${decided.name} was not run: ${messageOf(error)}.`);
    }
    if (result.approvalId !== undefined) {
      if (!this.#gate.use(result.approvalId, decided, generation)) return notRunAnswer(usedUp(result.approvalId, decided.name));
      this.#held.delete(result.approvalId);
    }
    let answer: CallToolResult;
    try {
      answer = await this.#forward(call, wait);
    } catch (error) {
      const message = messageOf(error);
      await this.#report(result.auditEventId, "failure", message);
      return failedAnswer(call.name, message, result);
    }
    if (answer.isError === true) {
      await this.#report(result.auditEventId, "failure", outcomeMessage(answer));
      return { ...answer, _meta: { ...answer._meta, [DECISION_META]: decisionMeta(result) } };
    }
    // What the server answered is screened before the client's model reads it (docs/guardrails.md, What the model reads).
    const seen = await screenToolOutputFor(this.#given, { content: answer.content, structuredContent: answer.structuredContent }, result, PROXY_INTEGRATION);
    await this.#report(result.auditEventId, "success", undefined, seen.screened);
    const screened: CallToolResult = seen.withheld
      ? { content: [{ type: "text", text: String(seen.output) }], isError: true }
      : { ...answer, ...(seen.output as Pick<CallToolResult, "content" | "structuredContent">) };
    return { ...screened, _meta: { ...answer._meta, [DECISION_META]: decisionMeta(result) } };
  }

  /** The call on the server behind (through its task API when the tool requires one), its progress passed on to the client. */
  async #forward(call: PreparedCall, wait: Wait): Promise<CallToolResult> {
    const token = wait.extra._meta?.progressToken;
    const stream = this.#downstream.experimental.tasks.callToolStream({ name: call.name, arguments: call.args }, CallToolResultSchema, {
      signal: wait.signal,
      resetTimeoutOnProgress: true,
      ...(token === undefined
        ? {}
        : { onprogress: (progress) => void wait.extra.sendNotification({ method: "notifications/progress", params: { ...progress, progressToken: token } }).catch(this.#onError) }),
    });
    for await (const message of stream) {
      if (message.type === "result") return message.result;
      if (message.type === "error") throw message.error;
    }
    throw new Error("the server behind the proxy answered nothing");
  }

  async #report(auditEventId: string, status: "success" | "failure", message: string | undefined, screened: ReturnType<typeof screenToolOutput>["screened"] = []): Promise<void> {
    try {
      await this.#gatehouse.report(auditEventId, {
        status,
        ...(message === undefined || message === "" ? {} : { message: message.slice(0, 2000) }),
        ...(screened.length > 0 ? { screened: screened.slice(0, 100) } : {}),
      });
    } catch (error) {
      this.#onError(error);
    }
  }
}

/** `mcp.<server>.<tool>`, the tool's segment cut to keep within 128 characters. */
function defaultActionType(tool: string, server: string): string {
  const prefix = `mcp.${server}.`;
  return `${prefix}${toolActionSegment(tool).slice(0, MAX_ACTION_TYPE - prefix.length)}`;
}

/**
 * Whether no arguments could make a tool usable (what `hideDenied` hides): `canI` without arguments
 * is denied, and the denial depended on no condition — no policy covers the action type and none
 * had a condition to test (NO_POLICY, nothing evaluated), or the winning deny policy has no
 * condition (CONDITIONS_DENIED, none of its conditions evaluated), or the action is outside the
 * agent's delegation (DELEGATION_SCOPE). The agent's passing state (halted, circuit open, rate
 * limits) and content rules never hide a tool.
 */
export function neverUsable(check: CheckResult): boolean {
  if (check.status !== "denied") return false;
  switch (check.denialReason) {
    case "NO_POLICY":
      return check.conditionsEvaluated.length === 0;
    case "CONDITIONS_DENIED":
      return check.policyName !== undefined && !check.conditionsEvaluated.some((condition) => condition.policy === check.policyName);
    case "DELEGATION_SCOPE":
      return true;
    default:
      return false;
  }
}

function sessionOf(meta: CallToolRequest["params"]["_meta"]): string | undefined {
  const session = meta?.[SESSION_META];
  return typeof session === "string" && session !== "" && session.length <= 200 ? session : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function mismatch(approvalId: string, tool: string): string {
  return `These are not the arguments approval ${approvalId} was granted for, so nothing was run: an approval holds for the exact arguments it was asked with. Call ${tool} with the new arguments to ask for a new approval.`;
}

function usedUp(approvalId: string, tool: string): string {
  return `Approval ${approvalId} has already run its call of ${tool} (an approval runs its call once), so it was not run again. Call ${tool} again to ask for a new approval.`;
}
