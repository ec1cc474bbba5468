/**
 * `wrapOpenAI`: the official OpenAI client, governed. Every chat completion and every response
 * (`chat.completions.create`, `responses.create`, and the SDK's helpers built on them: `parse`,
 * `stream`, `runTools`) is decided by Gatehouse first, as the action `llm.openai.<model>` declaring its
 * spend; a refused call throws the SDK's `BudgetExceededError` or `DeniedError` and sends nothing.
 * The answer's usage settles the decision's reservation, reported off the call's path.
 */
import type { Gatehouse, Spend, Usage } from "@gatehouse/sdk";
import {
  estimateTokens,
  governedPromise,
  meteredStream,
  ModelCalls,
  tokenCount,
  type Declared,
  type ModelCallOptions,
  type ModelCall,
  type ProviderStream,
  type StreamMeter,
  type StreamScreen,
} from "@gatehouse/sdk/model-call";
import { APIPromise, type OpenAI } from "openai";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { Response, ResponseCreateParams, ResponseStreamEvent, ResponseUsage } from "openai/resources/responses/responses";
import { INTEGRATION } from "./version.ts";

/** Options of {@link wrapOpenAI}. */
export type WrapOpenAIOptions = ModelCallOptions;

/** The wrapped clients, each with its calls (for {@link flushReports}) and its own `withOptions` (for a copy to wrap anew). */
const wrapped = new WeakMap<object, { calls: ModelCalls; copy: OpenAI["withOptions"] }>();

/**
 * Governs `client`'s model calls with `gatehouse` (the agent's client, or a `RunClient` for a run) and
 * returns it. A copy made from it with `withOptions` is governed the same way, and shares its reports.
 * Wrapping a client that is wrapped already governs a copy of it (`withOptions({})`) with the new
 * settings, and leaves the first as it was.
 *
 * ```ts
 * const openai = wrapOpenAI(new OpenAI(), gatehouse);
 * ```
 */
export function wrapOpenAI<C extends OpenAI>(client: C, gatehouse: Gatehouse, options: WrapOpenAIOptions = {}): C {
  const already = wrapped.get(client);
  return govern(already === undefined ? client : (already.copy({}) as C), new ModelCalls(gatehouse, "openai", INTEGRATION, options));
}

function govern<C extends OpenAI>(client: C, calls: ModelCalls): C {
  const copy = client.withOptions.bind(client);
  governChatCompletions(client, calls);
  governResponses(client, calls);
  client.withOptions = (copyOptions) => govern(copy(copyOptions), calls);
  wrapped.set(client, { calls, copy });
  return client;
}

/**
 * Resolves when every outcome the wrapped `client` is reporting has been answered: reports go out
 * after the model call returns, without holding it up. Await it before a process exits by
 * `process.exit()`, or in a test.
 */
export async function flushReports(client: OpenAI): Promise<void> {
  await wrapped.get(client)?.calls.flush();
}

type PromiseArgs = ConstructorParameters<typeof APIPromise>;
type RequestOptions = Parameters<OpenAI["chat"]["completions"]["create"]>[1];

/** The SDK's promise for a governed call, so `withResponse()`, `asResponse()` and the helpers work as they do. */
function promiseOf(client: OpenAI) {
  return (responsePromise: Promise<unknown>, parse: (client: unknown, props: unknown) => Promise<unknown>) =>
    new APIPromise(client, responsePromise as PromiseArgs[1], parse as PromiseArgs[2]);
}

function signalOf(options: RequestOptions): AbortSignal | undefined {
  return options !== null && typeof options === "object" && "signal" in options && options.signal instanceof AbortSignal ? options.signal : undefined;
}

/** The service tiers priced apart (docs: budgets, Prices); any other is priced as standard. */
function tierOf(tier: string | null | undefined): Spend["tier"] {
  return tier === "flex" || tier === "priority" ? tier : undefined;
}

function governChatCompletions(client: OpenAI, calls: ModelCalls): void {
  const resource = client.chat.completions;
  const create = resource.create.bind(resource) as (body: ChatCompletionCreateParams, options?: RequestOptions) => unknown;
  const governed = (body: ChatCompletionCreateParams, options?: RequestOptions) => {
    const stream = body.stream === true;
    // Usage comes on a stream's last chunk only when asked for: ask, unless the caller chose.
    const askedForUsage = stream && body.stream_options == null;
    const sent = askedForUsage ? { ...body, stream_options: { include_usage: true } } : body;
    const declared: Declared = {
      request: body,
      model: body.model,
      inputTokens: estimateTokens([body.messages, body.tools, body.functions, body.response_format]),
      maxOutputTokens: tokenCount((body.max_completion_tokens ?? body.max_tokens ?? calls.defaultMaxOutputTokens) * Math.max(1, body.n ?? 1)),
      stream,
      tier: tierOf(body.service_tier),
      prompt: { messages: body.messages },
    };
    const signal = signalOf(options);
    return governedPromise(
      promiseOf(client),
      calls.decide(declared, signal),
      (call) => create(call.outgoing(sent), options),
      (call, parsed) => {
        if (stream) return meteredStream(parsed as ProviderStream<ChatCompletionChunk>, call, chatMeter(askedForUsage, body.model), client, chatScreen(call));
        const completion = call.answered(
          parsed as ChatCompletion,
          (parsed as ChatCompletion).choices.map((choice) => ({ path: ["choices", choice.index, "message"], value: choice.message })),
        );
        call.succeeded(chatUsage(completion.model || body.model, completion.usage));
        return completion;
      },
    );
  };
  resource.create = governed as typeof resource.create;
}

function governResponses(client: OpenAI, calls: ModelCalls): void {
  const resource = client.responses;
  const create = resource.create.bind(resource) as (body: ResponseCreateParams, options?: RequestOptions) => unknown;
  const governed = (body: ResponseCreateParams, options?: RequestOptions) => {
    const stream = body.stream === true;
    // A request without a model takes its prompt template's: Gatehouse cannot price it (a token budget still counts it).
    const model = body.model ?? "unknown";
    const declared: Declared = {
      request: body,
      model,
      inputTokens: estimateTokens([body.instructions, body.input, body.tools, body.text, body.prompt]),
      maxOutputTokens: tokenCount(body.max_output_tokens ?? calls.defaultMaxOutputTokens),
      stream,
      tier: tierOf(body.service_tier),
      prompt: { instructions: body.instructions, input: body.input },
    };
    const signal = signalOf(options);
    return governedPromise(
      promiseOf(client),
      calls.decide(declared, signal),
      (call) => create(call.outgoing(body), options),
      (call, parsed) => {
        if (stream) return meteredStream(parsed as ProviderStream<ResponseStreamEvent>, call, responsesMeter(model), client, responsesScreen(call));
        const response = call.answered(parsed as Response, [{ path: ["output"], value: (parsed as Response).output }]);
        call.succeeded(responseUsage(response.model || model, response.usage));
        return response;
      },
    );
  };
  resource.create = governed as typeof resource.create;
}

/** Cached and cache-write tokens are parts of the input: only counts above zero are sent. */
function cacheParts(cached: number | undefined, written: number | undefined): Pick<Usage, "cachedInputTokens" | "cacheWriteTokens"> {
  return { ...(cached ? { cachedInputTokens: cached } : {}), ...(written ? { cacheWriteTokens: written } : {}) };
}

/** A chat completion's usage: `prompt_tokens` counts every input token, cached ones included. */
function chatUsage(model: string, usage: CompletionUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  const details = usage.prompt_tokens_details;
  return { model, inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, ...cacheParts(details?.cached_tokens, details?.cache_write_tokens) };
}

/** A response's usage: `input_tokens` counts every input token, cached ones included. */
function responseUsage(model: string, usage: ResponseUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  const details = usage.input_tokens_details as Partial<ResponseUsage.InputTokensDetails> | undefined;
  return { model, inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, ...cacheParts(details?.cached_tokens, details?.cache_write_tokens) };
}

/**
 * A chat stream's usage: on its last chunk (`choices: []`), sent when `stream_options.include_usage`
 * is set. When the wrapper asked for it, that chunk is the wrapper's and the caller does not see it.
 */
function chatMeter(askedForUsage: boolean, model: string): StreamMeter<ChatCompletionChunk> {
  let usage: Usage | undefined;
  return {
    see(chunk) {
      if (!chunk.usage) return true;
      usage = chatUsage(chunk.model || model, chunk.usage);
      return !(askedForUsage && chunk.choices.length === 0);
    },
    usage: () => usage,
    seen: () => undefined,
  };
}

/** A response stream's usage: on its last event, `response.completed` (or `response.incomplete`, `response.failed`). */
function responsesMeter(model: string): StreamMeter<ResponseStreamEvent> {
  let usage: Usage | undefined;
  let failed = false;
  return {
    see(event) {
      if (event.type === "response.completed" || event.type === "response.incomplete" || event.type === "response.failed") {
        usage = responseUsage(event.response.model || model, event.response.usage);
        failed = event.type === "response.failed";
      }
      return true;
    },
    usage: () => usage,
    seen: () => undefined,
    failed: () => failed,
  };
}

/**
 * A chat stream on its way to the caller: each choice's text and tool-call arguments kept for the
 * answer screen and restored (docs/guardrails.md); text held back at a choice's end is added to the
 * chunk that ends it, and what is held when the stream ends comes in one more chunk like the last.
 */
function chatScreen(call: ModelCall): StreamScreen<ChatCompletionChunk> {
  const restorers = new Map<string, { choice: number; toolCall: number | undefined; restorer: ReturnType<ModelCall["restorer"]> }>();
  const restored = (choice: number, toolCall: number | undefined, text: string): string => {
    if (!call.restores) return text;
    const key = `${choice}:${toolCall ?? ""}`;
    let entry = restorers.get(key);
    if (!entry) restorers.set(key, (entry = { choice, toolCall, restorer: call.restorer() }));
    return entry.restorer.push(text);
  };
  /** What each restorer of `choice` (every choice when undefined) still holds, ended. */
  const held = (choice: number | undefined) => {
    const out: Array<{ choice: number; toolCall: number | undefined; text: string }> = [];
    for (const entry of restorers.values()) {
      if ((choice !== undefined && entry.choice !== choice) || !entry.restorer.holding) continue;
      out.push({ choice: entry.choice, toolCall: entry.toolCall, text: entry.restorer.end() });
    }
    return out;
  };
  const addTo = (delta: ChatCompletionChunk.Choice.Delta, piece: { toolCall: number | undefined; text: string }) => {
    if (piece.toolCall === undefined) delta.content = (delta.content ?? "") + piece.text;
    else delta.tool_calls = [...(delta.tool_calls ?? []), { index: piece.toolCall, function: { arguments: piece.text } }];
  };
  let last: ChatCompletionChunk | undefined;
  return {
    pass(chunk) {
      last = chunk;
      for (const choice of chunk.choices) {
        const { delta } = choice;
        if (typeof delta.content === "string") {
          call.streamed(["choices", choice.index, "message", "content"], delta.content);
          delta.content = restored(choice.index, undefined, delta.content);
        }
        for (const toolCall of delta.tool_calls ?? []) {
          if (typeof toolCall.function?.arguments !== "string") continue;
          call.streamed(["choices", choice.index, "message", "tool_calls", toolCall.index, "function", "arguments"], toolCall.function.arguments);
          toolCall.function.arguments = restored(choice.index, toolCall.index, toolCall.function.arguments);
        }
        if (choice.finish_reason != null) for (const piece of held(choice.index)) addTo(delta, piece);
      }
      return [chunk];
    },
    end() {
      if (last === undefined) return [];
      const template = last;
      return held(undefined).map((piece) => {
        const delta: ChatCompletionChunk.Choice.Delta = {};
        addTo(delta, piece);
        return { ...template, choices: [{ index: piece.choice, delta, finish_reason: null }], usage: null };
      });
    },
  };
}

/**
 * A response stream on its way to the caller: every `*.delta` text restored (held text is yielded as one
 * more delta of its kind before the `*.done` that ends it), every other event's strings restored, and
 * the completed response's output screened (docs/guardrails.md).
 */
function responsesScreen(call: ModelCall): StreamScreen<ResponseStreamEvent> {
  type Fields = { type: string; delta?: unknown; item_id?: unknown; output_index?: unknown; content_index?: unknown; response?: Response };
  const open = new Map<string, { restorer: ReturnType<ModelCall["restorer"]>; last: ResponseStreamEvent }>();
  const keyOf = (event: Fields, kind: string) => `${kind}|${String(event.item_id)}|${String(event.output_index)}|${String(event.content_index)}`;
  const flush = (key: string): ResponseStreamEvent[] => {
    const entry = open.get(key);
    open.delete(key);
    return entry?.restorer.holding ? [{ ...entry.last, delta: entry.restorer.end() } as ResponseStreamEvent] : [];
  };
  return {
    pass(event) {
      const fields = event as Fields;
      if (fields.type === "response.completed" || fields.type === "response.incomplete") {
        const response = fields.response as Response;
        call.answered(response, [{ path: ["output"], value: response.output }]);
        return [event];
      }
      if (!call.restores) return [event];
      if (fields.type.endsWith(".delta") && typeof fields.delta === "string") {
        const key = keyOf(fields, fields.type.slice(0, -".delta".length));
        let entry = open.get(key);
        if (!entry) open.set(key, (entry = { restorer: call.restorer(), last: event }));
        entry.last = event;
        (event as { delta: string }).delta = entry.restorer.push(fields.delta);
        return [event];
      }
      const before = fields.type.endsWith(".done") ? flush(keyOf(fields, fields.type.slice(0, -".done".length))) : [];
      return [...before, call.restore(event)];
    },
    end() {
      return [...open.keys()].flatMap(flush);
    },
  };
}
