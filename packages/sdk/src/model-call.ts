/**
 * `@gatehouse/sdk/model-call`: how one model call of a provider's official client is governed, whatever
 * the provider: decided by Gatehouse before a request leaves the process (`gate`, with the spend it
 * declares), then settled with the usage the provider reported (`report`), off the call's path. The
 * provider-specific parts (what a request declares, where an answer's usage is) live in the adapters,
 * @gatehouse/openai, @gatehouse/anthropic, @gatehouse/google-genai and @gatehouse/mistral, which all import
 * this entry instead of each keeping a copy.
 *
 * It is an entry of its own, not part of the main one, because only those adapters need it; its shape
 * follows theirs, and they are released with the SDK, one version for all. It imports the client's
 * types only, so its build carries none of the client's code (and no second copy of its error classes). It carries the content screen (core's model-traffic module and its
 * detector table, bundled at build time: docs/guardrails.md); the org's own detectors run in Gatehouse (`POST /v1/scan`),
 * whose patterns an agent's key never reads. Like the main entry, it uses no `node:` module.
 */
import {
  findInValue,
  PlaceholderVault,
  redactForProvider,
  screenAnswer,
  screenToolResult,
  StreamRestorer,
  type LocalFinding,
  type OrgDetectorScan,
} from "@gatehouse/core/model-traffic";
import type { Gatehouse } from "./client.ts";
import type { ActionResult, OutcomeStatus, ScreenedFinding, Spend, Usage } from "./types.ts";

export type { OrgDetectorScan };

/** Options of `wrapOpenAI`, `wrapAnthropic`, `wrapGoogleGenAI` and `wrapMistral`. */
export interface ModelCallOptions {
  /**
   * The run every call belongs to (docs/runs.md), for `per: "run"` budgets and the run's timeline.
   * Default: the run of the client given, when it is a `RunClient` (`gatehouse.run(…)`,
   * `gatehouse.withRun(…)`); none otherwise.
   */
  runId?: string;
  /** The run's name for people, kept from the call that starts the run. Default: the client's run's name. */
  runName?: string;
  /**
   * The output tokens a request that states no maximum declares (and so reserves against its budgets).
   * The outcome settles what the model really wrote. Default: 4096.
   */
  defaultMaxOutputTokens?: number;
  /**
   * Facts added to every decision's metadata, for policies (`metadata.*`) and the audit log. The
   * wrapper's own `provider`, `model`, `stream` and `requestDigest` win over keys of the same name.
   * Default: none.
   */
  metadata?: Record<string, unknown>;
  /**
   * Hears a report (the outcome of a call that was allowed) that failed, e.g. Gatehouse unreachable
   * after the model answered. The model call's result is never affected. Default: ignored (the
   * reservation is then released by Gatehouse after the org's `spend.reservationSeconds`).
   */
  onReportError?: (error: unknown, auditEventId: string) => void;
  /**
   * The screen of what leaves for the provider and what comes back (docs/guardrails.md). The prompt is
   * always screened by the org's content rules, and cannot be switched off here.
   */
  screen?: {
    /**
     * Personal data the rules redacted from the prompt is put back where the answer repeats its
     * placeholder (from a mapping kept in this process only, for this call). Default: true.
     */
    restorePersonalData?: boolean;
    /** Answers are looked at for secrets and personal data; findings are recorded on the call's outcome, never the values. Default: true. */
    answers?: boolean;
    /**
     * Answers are looked at for phrases that read as instructions aimed at the agent ("ignore your
     * previous instructions"). A heuristic: it flags, records and refuses nothing. Default: true.
     */
    instructions?: boolean;
  };
}

/** The output tokens a request that states no maximum declares, unless `defaultMaxOutputTokens` says otherwise. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** The most tokens a declaration or a usage may carry (the API's limit per call). */
const MAX_TOKENS = 10_000_000;

/** What a request declares before it is sent. */
export interface Declared {
  /** The request as the caller made it: its digest tells one call from another ({@link requestDigest}). */
  request: unknown;
  model: string;
  /** The estimate of the prompt's tokens ({@link estimateTokens}). */
  inputTokens: number;
  maxOutputTokens: number;
  stream: boolean;
  tier?: Spend["tier"];
  /**
   * The parts of the request that are content the provider will read (messages, system prompts, tool
   * results, instructions), by their key in the request: screened before the decision, and rewritten by
   * its content rules before the request is sent ({@link ModelCall.outgoing}).
   */
  prompt: Record<string, unknown>;
}

/**
 * A model call's action type: `llm.<provider>.<model>`, the model lower-cased with every character
 * an action type cannot hold (anything but `a-z 0-9 . _ : -`) made `-`, at most 128 characters.
 */
export function actionTypeOf(provider: string, model: string): string {
  const slug = model.toLowerCase().replace(/[^a-z0-9._:-]/g, "-");
  return `llm.${provider}.${slug === "" ? "unknown" : slug}`.slice(0, 128);
}

/**
 * The estimate of a prompt's tokens declared before the call: one token per 4 characters of the
 * request's parts (strings as they are, anything else as JSON), rounded up. The outcome settles the
 * real count the provider reports.
 */
export function estimateTokens(parts: readonly unknown[]): number {
  let characters = 0;
  for (const part of parts) {
    if (part === undefined || part === null) continue;
    characters += typeof part === "string" ? part.length : (JSON.stringify(part)?.length ?? 0);
  }
  return Math.min(MAX_TOKENS, Math.ceil(characters / 4));
}

/**
 * The hex SHA-256 of a request's JSON, sent as `metadata.requestDigest`. Loop detection (docs/loops.md)
 * compares a call's action type and metadata: with the digest, the turns of a conversation are
 * different calls, and only the same request sent again and again is a loop. The digest never holds
 * the prompt.
 */
export async function requestDigest(request: unknown): Promise<string> {
  const hash = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(request) ?? ""));
  return Array.from(new Uint8Array(hash), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A declared maximum as the API takes it: a whole number of tokens from 0 to its limit. */
export function tokenCount(value: number): number {
  return Math.min(MAX_TOKENS, Math.max(0, Math.ceil(value)));
}

/** Whether an error is the caller's own abort (the SDKs' `APIUserAbortError`, or fetch's `AbortError`). */
function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "APIUserAbortError" || error.name === "AbortError");
}

/** The content rules a call is held to: the decision's answer, or — when it gave none (an approval's answer) — the strictest that still sends. */
type ContentRules = NonNullable<ActionResult["content"]>;
const STRICTEST_SENDING: ContentRules = { secrets: "redact", personalData: "redact" };

/** 8 random lowercase hex characters: a placeholder's suffix. */
function randomTag(): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(4)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** How much of an answer's text is kept per place for the answer screen (more is not looked at). */
const MAX_ANSWER_TEXT = 1 << 20;

/** One allowed call: it is settled once, by the first of its outcomes. */
export class ModelCall {
  #settled = false;
  readonly #vault: PlaceholderVault;
  readonly #answer: { secrets: boolean; personalData: boolean; instructions: boolean } | undefined;
  /** The answer's parts as the provider sent them (copies: the caller's answer is restored in place), screened with the outcome. */
  readonly #answered: Array<{ path: Array<string | number>; value: unknown }> = [];
  /** Streamed answer text, by where it goes, screened when the stream ends. */
  readonly #texts = new Map<string, { path: Array<string | number>; text: string }>();

  /** The prompt's parts as they may leave (`prepare`), by their key in the request. */
  #outgoing: Record<string, unknown> = {};

  constructor(
    private readonly calls: ModelCalls,
    readonly auditEventId: string,
    readonly declared: Declared,
    /** The content rules the decision answered for the call. */
    readonly content: ContentRules,
    screen: ModelCallOptions["screen"] = {},
    /** The org's own detectors over the prompt's texts, run by Gatehouse (none when the org has none). */
    private readonly org?: OrgDetectorScan,
  ) {
    this.#vault = new PlaceholderVault(randomTag, { restore: screen.restorePersonalData ?? true });
    this.#answer =
      screen.answers === false ? undefined : { secrets: content.secrets !== "off", personalData: content.personalData !== "off", instructions: screen.instructions ?? true };
  }

  /**
   * Rewrites the prompt's parts (`Declared.prompt`) by the call's content rules: what a class set to
   * `redact` found is replaced by a placeholder (`[secret:github_token#…]`, `[personal:email#…]`). Answers
   * what a class set to `deny` found, which the decision did not refuse (its list of findings stops at
   * 100): such a call must not be sent.
   */
  prepare(): LocalFinding[] {
    const { secrets, personalData } = this.content;
    const rewrites = secrets === "redact" || secrets === "deny" || personalData === "redact" || personalData === "deny";
    if (!rewrites) return [];
    const denied: LocalFinding[] = [];
    for (const [key, part] of Object.entries(this.declared.prompt)) {
      if (part === undefined) continue;
      const rewritten = redactForProvider(part, ["prompt", key], this.content, this.#vault, this.org);
      denied.push(...rewritten.denied);
      if (rewritten.value !== part) this.#outgoing[key] = rewritten.value;
    }
    return denied;
  }

  /** The request as it may leave for the provider: `body` with the prompt's parts as `prepare` rewrote them (the same object when none changed). */
  outgoing<B extends object>(body: B): B {
    return Object.keys(this.#outgoing).length === 0 ? body : { ...body, ...this.#outgoing };
  }

  /**
   * A parsed answer (not streamed) as the caller gets it: `parts` (where the model's words are, at
   * their `path` under `answer`) are kept as the provider sent them, for the screen that goes with the
   * outcome, then every placeholder of this call's personal data in `answer` is restored, in place.
   */
  answered<A>(answer: A, parts: ReadonlyArray<{ path: Array<string | number>; value: unknown }>): A {
    // A parsed answer is JSON the provider sent: a copy of it is what the screen sees after the restore.
    if (this.#answer) for (const part of parts) this.#answered.push({ path: part.path, value: JSON.parse(JSON.stringify(part.value ?? null)) as unknown });
    return this.#vault.restoreDeep(answer);
  }

  /** A restorer of this call's placeholders in a streamed text (one per place the text goes). */
  restorer(): StreamRestorer {
    return new StreamRestorer(this.#vault);
  }

  /** Streamed answer text at `path` under `answer`, kept (up to 1 MiB per place) for the answer screen when the stream ends. */
  streamed(path: Array<string | number>, text: string): void {
    if (!this.#answer || text.length === 0) return;
    const key = JSON.stringify(path);
    const kept = this.#texts.get(key) ?? { path, text: "" };
    if (kept.text.length < MAX_ANSWER_TEXT) kept.text += text.slice(0, MAX_ANSWER_TEXT - kept.text.length);
    this.#texts.set(key, kept);
  }

  /** Whatever this call restores into answers. */
  get restores(): boolean {
    return this.#vault.restores;
  }

  /** Restores this call's placeholders in any value of an answer, in place. */
  restore<A>(value: A): A {
    return this.#vault.restoreDeep(value);
  }

  /** The provider answered: its usage (or, when it gave none, the declared maximum, estimated). */
  succeeded(usage: Usage | undefined): void {
    this.#settle("success", usage ?? this.maximum());
  }

  /** The answer stopped before its end (the caller broke off or aborted): what the provider said of the input, the declared maximum of the output. */
  stopped(seen: Usage | undefined): void {
    this.#settle("partial", this.maximum(seen));
  }

  /**
   * The provider failed (an error status, a broken connection, an error event): `failure`, with no
   * usage, so Gatehouse settles at what the decision reserved. The caller's own abort is `partial`
   * at the declared maximum instead (it is no failure of the agent's).
   */
  failed(error: unknown): void {
    if (isAbort(error)) this.stopped(undefined);
    else this.#settle("failure", undefined);
  }

  /** The declared maximum as usage (`estimated`): the input the provider counted when it said, else the estimate; the most output the request allowed. */
  maximum(seen?: Usage): Usage {
    const { model, inputTokens, maxOutputTokens } = this.declared;
    const input = seen ?? { inputTokens };
    return { ...input, model: seen?.model ?? model, outputTokens: Math.max(maxOutputTokens, seen?.outputTokens ?? 0), estimated: true };
  }

  #settle(status: OutcomeStatus, usage: Usage | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    // The answer's texts are screened, and the outcome reported, after the caller has its answer (ModelCalls.report).
    const parts = [...this.#answered, ...[...this.#texts.values()].map(({ path, text }) => ({ path, value: text as unknown }))];
    this.#answered.length = 0;
    this.#texts.clear();
    const answer = this.#answer;
    if (answer === undefined || parts.length === 0) return this.calls.report(this.auditEventId, status, usage);
    const screen = (org: OrgDetectorScan | undefined) => parts.flatMap(({ path, value }) => screenAnswer(value, ["answer", ...path], answer, org));
    this.calls.report(this.auditEventId, status, usage, async () => {
      // The org's detectors only flag in an answer: when Gatehouse cannot run them, the outcome still goes, with the table's findings.
      const org = await this.calls
        .orgScan((noting) => void screen(noting))
        .catch((error: unknown) => {
          this.calls.heard(error, this.auditEventId);
          return undefined;
        });
      return screen(org).slice(0, 100);
    });
  }
}

/** How long the list of the org's detectors, once read, is kept before it is read again. */
export const ORG_DETECTORS_TTL_MS = 60_000;

/** Scans of one screen's texts under way at once (`POST /v1/scan`, one text each). */
const SCANS_AT_ONCE = 4;

type OrgFinding = ReturnType<OrgDetectorScan["find"]>[number];
type Listed = ReadonlyArray<{ name: string; class: OrgFinding["class"] }>;

/** The org's enabled detectors (names and classes) as one client last read them (`GET /v1/content/detectors/screen`), and when. */
interface OrgDetectorCache {
  at: number;
  list: Promise<Listed | undefined>;
  /** The last list read, used while a later read fails. */
  last: Listed | undefined;
  warned: boolean;
}

/** One cache per client instance, shared by its model-client wrappers and its tool-result screens. */
const orgDetectorCaches = new WeakMap<Gatehouse, OrgDetectorCache>();

function orgDetectorListOf(gatehouse: Gatehouse, integration: string | undefined): Promise<Listed | undefined> {
  const now = Date.now();
  const cached = orgDetectorCaches.get(gatehouse);
  if (cached !== undefined && now - cached.at < ORG_DETECTORS_TTL_MS) return cached.list;
  const cache: OrgDetectorCache = cached ?? { at: now, list: Promise.resolve(undefined), last: undefined, warned: false };
  cache.at = now;
  cache.list = (integration === undefined ? gatehouse : gatehouse.withIntegration(integration)).contentDetectors().then(
    (answer) => {
      cache.last = answer.detectors;
      return cache.last;
    },
    (error: unknown) => {
      if (!cache.warned) {
        cache.warned = true;
        console.warn(
          `Gatehouse: the org's content detectors could not be read (${error instanceof Error ? error.message : String(error)}); this client's screens run the built-in detectors only until they can be (docs/guardrails.md, Limits)`,
        );
      }
      return cache.last;
    },
  );
  orgDetectorCaches.set(gatehouse, cache);
  return cache.list;
}

/**
 * The org's own detectors (docs/content-detectors.md) for one screen, run by Gatehouse: an agent's key never
 * reads their patterns (ADR 0038, amended), so the texts the screen would show them go to `POST /v1/scan`,
 * where they run. `walk` is the screen itself, run once with a scan that only notes each text; each noted
 * text is scanned, and the answer is a scan of those texts' findings (a text the walk did not show it is an
 * error: never "nothing found" for a text no detector saw). Undefined when the org has no enabled detector
 * (or the list cannot be read: then the built-in table alone runs, warned once per client): no text leaves.
 * A scan that fails (Gatehouse unreachable, a text past the scan's size or the org's budget, more findings than
 * one answer holds) rejects, and the screen that asked must not go on without it. The list is read at most once
 * per ORG_DETECTORS_TTL_MS per client instance; `integration` names the adapter on the requests.
 */
export async function orgScanFor(gatehouse: Gatehouse, walk: (org: OrgDetectorScan) => void, integration?: string): Promise<OrgDetectorScan | undefined> {
  const listed = await orgDetectorListOf(gatehouse, integration);
  if (listed === undefined || listed.length === 0) return undefined;
  const own = new Set(listed.map((detector) => detector.name));
  const texts = new Set<string>();
  walk({ size: listed.length, find: (text) => (texts.add(text), []) });
  const client = integration === undefined ? gatehouse : gatehouse.withIntegration(integration);
  const found = new Map<string, OrgFinding[]>();
  const queue = [...texts];
  const scanNext = async (): Promise<void> => {
    for (let text = queue.pop(); text !== undefined; text = queue.pop()) {
      const answer = await client.scan({ text });
      if (answer.truncated) throw new Error("a text holds more findings than one scan answers: send less at once");
      found.set(
        text,
        answer.findings.flatMap((finding) =>
          own.has(finding.detector) && finding.start !== undefined && finding.end !== undefined
            ? [{ detector: finding.detector, class: finding.class, start: finding.start, end: finding.end }]
            : [],
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(SCANS_AT_ONCE, queue.length) }, scanNext));
  return {
    size: listed.length,
    find(text, classes) {
      const hits = found.get(text);
      if (hits === undefined) throw new Error("the org's detectors were not asked about this text");
      return classes === undefined ? hits : hits.filter((hit) => classes.has(hit.class));
    },
  };
}

/** The governed calls of one wrapped client: how they are decided, and their reports under way. */
export class ModelCalls {
  readonly #gatehouse: Gatehouse;
  readonly #provider: string;
  readonly #options: ModelCallOptions;
  readonly #pending = new Set<Promise<void>>();
  /** The client as the caller gave it: the key of the org's detectors, shared with its other wrappers. */
  readonly #given: Gatehouse;
  readonly #integration: string;

  constructor(gatehouse: Gatehouse, provider: string, integration: string, options: ModelCallOptions) {
    this.#given = gatehouse;
    this.#integration = integration;
    this.#gatehouse = gatehouse.withIntegration(integration);
    this.#provider = provider;
    this.#options = options;
    const max = options.defaultMaxOutputTokens;
    if (max !== undefined && !(Number.isInteger(max) && max >= 0 && max <= MAX_TOKENS)) {
      throw new TypeError(`defaultMaxOutputTokens must be a whole number from 0 to ${MAX_TOKENS}`);
    }
  }

  /**
   * The org's own detectors (docs/content-detectors.md) for one screen, run by Gatehouse on the texts `walk`
   * shows them ({@link orgScanFor}); the list of them is read once per ORG_DETECTORS_TTL_MS, shared with every
   * other wrapper and tool-result screen of the client this wrapper was given.
   */
  orgScan(walk: (org: OrgDetectorScan) => void): Promise<OrgDetectorScan | undefined> {
    return orgScanFor(this.#given, walk, this.#integration);
  }

  /** The output tokens a request that states no maximum declares. */
  get defaultMaxOutputTokens(): number {
    return this.#options.defaultMaxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  }

  /**
   * Asks Gatehouse whether the call may go: resolves once it is allowed (at once, or when a person
   * approves a call held for approval); rejects with the SDK's `BudgetExceededError` or `DeniedError`
   * when it is refused, and with the SDK's error when Gatehouse cannot be asked.
   */
  async decide(declared: Declared, signal: AbortSignal | undefined): Promise<ModelCall> {
    // Not after this client's earlier reports: a reservation already counts a call in flight at what it
    // declared, so the check is exact either way, and a model call waits for no one's bookkeeping.
    const { runId, runName, metadata } = this.#options;
    const spend: Spend = { model: declared.model, inputTokens: declared.inputTokens, maxOutputTokens: declared.maxOutputTokens, ...(declared.tier ? { tier: declared.tier } : {}) };
    // The prompt is screened here, in this process, by the built-in table: only what was found (detector,
    // class, path) goes with the decision. The org's own detectors run in Gatehouse (their patterns are not an
    // agent's to read): when the org has any, the prompt's texts are scanned there first, nothing stored.
    // The request's digest is worked out (off this thread, by WebCrypto) while the prompt is screened.
    const digest = requestDigest(declared.request);
    const org = await this.orgScan((noting) => {
      findInValue(declared.prompt, ["prompt"], noting);
      const vault = new PlaceholderVault(randomTag, { restore: false });
      for (const [key, part] of Object.entries(declared.prompt)) if (part !== undefined) redactForProvider(part, ["prompt", key], STRICTEST_SENDING, vault, noting);
    });
    const screened: ScreenedFinding[] = findInValue(declared.prompt, ["prompt"], org);
    // A call held for approval answers its rules first; the approval's answer may not repeat them.
    let asked: ContentRules | undefined;
    const result = await this.#gatehouse.gate(actionTypeOf(this.#provider, declared.model), {
      spend,
      metadata: { ...metadata, provider: this.#provider, model: declared.model, stream: declared.stream, requestDigest: await digest },
      screened,
      onRequested: (requested) => {
        asked = requested.content;
      },
      ...(runId === undefined ? {} : { runId }),
      ...(runName === undefined ? {} : { runName }),
      ...(signal === undefined ? {} : { signal }),
    });
    const call = new ModelCall(this, result.auditEventId, declared, result.content ?? asked ?? STRICTEST_SENDING, this.#options.screen, org);
    const denied = call.prepare();
    if (denied.length > 0) {
      // A value the rules refuse that the decision did not see (past its 100 findings): this call is not
      // sent. Asked again with just those, Gatehouse refuses and records it, and its DeniedError is thrown.
      call.failed(new Error("refused: the prompt holds content the org's rules deny"));
      await this.#gatehouse.gate(actionTypeOf(this.#provider, declared.model), {
        spend,
        metadata: { ...metadata, provider: this.#provider, model: declared.model, stream: declared.stream },
        screened: denied.slice(0, 100),
        ...(runId === undefined ? {} : { runId }),
        ...(signal === undefined ? {} : { signal }),
      });
      throw new Error("Gatehouse allowed a prompt its content rules deny; nothing was sent");
    }
    return call;
  }

  /**
   * Reports an outcome without holding up the call: `screened` (what the answer screen found, worked out
   * then) and the request start on the next turn of the event loop, after the caller has its answer; a
   * flush waits for them from now. A failure, the screen's included, goes to `onReportError`.
   */
  report(auditEventId: string, status: OutcomeStatus, usage: Usage | undefined, screened: () => ScreenedFinding[] | Promise<ScreenedFinding[]> = () => []): void {
    const sent = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(async () => {
        const found = await screened();
        return this.#gatehouse.report(auditEventId, { status, ...(usage === undefined ? {} : { usage }), ...(found.length > 0 ? { screened: found } : {}) });
      })
      .then(
        () => undefined,
        (error: unknown) => this.heard(error, auditEventId),
      );
    this.#pending.add(sent);
    void sent.finally(() => this.#pending.delete(sent));
  }

  /** Tells `onReportError` of a failure of a report (or of the screen that goes with it). */
  heard(error: unknown, auditEventId: string): void {
    try {
      this.#options.onReportError?.(error, auditEventId);
    } catch {
      // A throwing listener must not become an unhandled rejection of a report nobody awaits.
    }
  }

  /** Resolves when every report under way has been answered (or has failed, and `onReportError` heard it). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}

/** The two parts of an SDK's `APIPromise` a governed call takes over: the request's response, and how its body is parsed. */
interface PromiseParts {
  responsePromise: Promise<unknown>;
  parseResponse: (client: unknown, props: unknown) => unknown;
}

function partsOf(promise: unknown): PromiseParts {
  const parts = promise as Partial<PromiseParts> | null;
  if (typeof parts?.responsePromise?.then !== "function" || typeof parts.parseResponse !== "function") {
    throw new TypeError("This version of the provider's SDK is not one the Gatehouse wrapper knows: its request promise has no responsePromise/parseResponse");
  }
  return parts as PromiseParts;
}

/**
 * A governed call as the SDK's own promise class: `make(responsePromise, parse)` builds it (the
 * SDK's `APIPromise`, so `withResponse()`, `asResponse()` and the SDK's helpers work as usual). No
 * request is sent until `decided` resolves; then `send(call)` makes it with the SDK's own `create` (the
 * body as `call.outgoing` rewrites it), and `observe` sees the parsed answer (and may return a stream
 * that watches its events).
 */
export function governedPromise<P>(
  make: (responsePromise: Promise<unknown>, parse: (client: unknown, props: unknown) => Promise<unknown>) => P,
  decided: Promise<ModelCall>,
  send: (call: ModelCall) => unknown,
  observe: (call: ModelCall, parsed: unknown) => unknown,
): P {
  let sent: { call: ModelCall; parts: PromiseParts } | undefined;
  const responsePromise = decided.then(async (call) => {
    try {
      const parts = partsOf(send(call));
      sent = { call, parts };
      return await parts.responsePromise;
    } catch (error) {
      call.failed(error);
      throw error;
    }
  });
  const parse = async (client: unknown, props: unknown): Promise<unknown> => {
    if (sent === undefined) throw new TypeError("parsed before the request was sent");
    const { call, parts } = sent;
    let parsed: unknown;
    try {
      parsed = await parts.parseResponse(client, props);
    } catch (error) {
      call.failed(error);
      throw error;
    }
    return observe(call, parsed);
  };
  return make(responsePromise, parse);
}

/** What watches a stream's events for its usage. */
export interface StreamMeter<Item> {
  /** Reads one event; answers false for an event the caller must not see (one only the wrapper asked for). */
  see(item: Item): boolean;
  /** The usage the events carried, once they carried all of it; undefined until then. */
  usage(): Usage | undefined;
  /** What the events said of the input so far, for a stream that stops early. */
  seen(): Usage | undefined;
  /** True when an event said the call failed on the provider's side. */
  failed?(): boolean;
}

/**
 * What a stream's events go through on their way to the caller: each event the caller may see becomes
 * the events it yields (its text restored; text held back from an earlier event yielded before an
 * event that ends that text), and `end` yields what is still held when the stream ends.
 */
export interface StreamScreen<Item> {
  pass(item: Item): Item[];
  end(): Item[];
}

/** An SDK's stream: its events, and the controller that aborts its request. */
export interface ProviderStream<Item> extends AsyncIterable<Item> {
  controller: AbortController;
}

/**
 * The stream the caller gets: the same class as the SDK's (built with its constructor, on the same
 * controller, so `tee()`, `toReadableStream()` and `controller.abort()` work), yielding every event
 * of `stream` as it came (through `screen`, when given: restored and screened). When it ends the call is settled with the usage `meter` saw (or, when the
 * events carried none, the declared maximum, estimated); when the caller breaks off or aborts it,
 * `partial` at the declared maximum; when it fails, `failure`.
 * A stream nobody reads is never settled here: Gatehouse releases its reservation after its deadline.
 */
export function meteredStream<Item, S extends ProviderStream<Item>>(stream: S, call: ModelCall, meter: StreamMeter<Item>, client: unknown, screen?: StreamScreen<Item>): S {
  const Stream = stream.constructor as new (iterator: () => AsyncIterator<Item>, controller: AbortController, client?: unknown) => S;
  const { controller } = stream;
  async function* events(): AsyncGenerator<Item> {
    let ended = false;
    try {
      for await (const item of stream) {
        if (!meter.see(item)) continue;
        if (screen === undefined) yield item;
        else yield* screen.pass(item);
      }
      if (screen !== undefined) yield* screen.end();
      ended = true;
    } catch (error) {
      call.failed(error);
      throw error;
    } finally {
      // The caller broke off (a failure is settled already, and settles once).
      if (!ended) call.stopped(meter.seen());
    }
    // The SDKs end a stream the caller aborted without an error: an aborted controller is an early stop.
    if (controller.signal.aborted) call.stopped(meter.seen());
    else if (meter.failed?.() === true) call.failed(new Error("the provider said the call failed"));
    else call.succeeded(meter.usage() ?? call.maximum(meter.seen()));
  }
  return new Stream(() => events(), controller, client);
}

/** The content rules a tool's result is held to when the decision does not say (an older server): `redact` both, as the prompt rules' defaults. */
const TOOL_RESULT_DEFAULTS = { secrets: "redact", personalData: "redact" } as const;

/**
 * A tool's result as the model may read it (docs/guardrails.md, What the model reads), by the content
 * rules the tool call's decision answered (`content`: ask with `screened: []` to have them): secrets and
 * personal data redacted (or the whole result withheld, for a class set to `deny`), phrases aimed at the
 * agent found (the instruction heuristic, which only flags). `screened` is what to report on the call's
 * outcome (detector, class and path, never the value). `org`: the org's own detectors over the result's
 * texts, run beside the built-in table; without it only the table runs — {@link screenToolOutputFor} has
 * Gatehouse run them for you.
 */
export function screenToolOutput<T>(
  output: T,
  decision: { content?: { secrets: string; personalData: string } | undefined },
  org?: OrgDetectorScan,
): { output: T | string; withheld: boolean; screened: LocalFinding[] } {
  const content = decision.content ?? TOOL_RESULT_DEFAULTS;
  const actions = { secrets: contentAction(content.secrets), personalData: contentAction(content.personalData) };
  const { value, withheld, found } = screenToolResult(output, actions, randomTag, org);
  return { output: value, withheld, screened: found };
}

/**
 * {@link screenToolOutput} with the org's own detectors run by Gatehouse on the result's texts
 * ({@link orgScanFor}: when the org has any; their list read at most once a minute per client instance, shared
 * with the model-client wrappers of the same client). Rejects when they cannot be run: the result must then
 * not reach the model. The adapters run every tool's result through it, naming themselves (`integration`).
 */
export async function screenToolOutputFor<T>(
  gatehouse: Gatehouse,
  output: T,
  decision: { content?: { secrets: string; personalData: string } | undefined },
  integration?: string,
): Promise<{ output: T | string; withheld: boolean; screened: LocalFinding[] }> {
  const org = await orgScanFor(gatehouse, (noting) => void screenToolOutput(output, decision, noting), integration);
  return screenToolOutput(output, decision, org);
}

/** A rule as the server answered it; one this version does not know is held as `redact` (never looser). */
function contentAction(rule: string): "deny" | "redact" | "flag" | "off" {
  return rule === "deny" || rule === "redact" || rule === "flag" || rule === "off" ? rule : "redact";
}
