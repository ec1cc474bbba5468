/**
 * `wrapAnthropic`: the official Anthropic client, governed. Every message (`messages.create`,
 * `beta.messages.create`, and the SDK's helpers built on them: `stream`, `parse`) is decided by
 * Gatehouse first, as the action `llm.anthropic.<model>` declaring its spend; a refused call throws
 * the SDK's `BudgetExceededError` or `DeniedError` and sends nothing. The answer's usage settles the
 * decision's reservation, reported off the call's path.
 */
import { APIPromise, type Anthropic } from "@anthropic-ai/sdk";
import type { Message, MessageDeltaUsage, RawMessageStreamEvent, Usage as MessageUsage } from "@anthropic-ai/sdk/resources/messages";
import type { Gatehouse, Usage } from "@gatehouse/sdk";
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
import { INTEGRATION } from "./version.ts";

/** Options of {@link wrapAnthropic}. */
export type WrapAnthropicOptions = ModelCallOptions;

/** The wrapped clients, each with its calls (for {@link flushReports}) and its own `withOptions` (for a copy to wrap anew). */
const wrapped = new WeakMap<object, { calls: ModelCalls; copy: Anthropic["withOptions"] }>();

/**
 * Governs `client`'s model calls with `gatehouse` (the agent's client, or a `RunClient` for a run) and
 * returns it. A copy made from it with `withOptions` is governed the same way, and shares its reports.
 * Wrapping a client that is wrapped already governs a copy of it (`withOptions({})`) with the new
 * settings, and leaves the first as it was.
 *
 * ```ts
 * const anthropic = wrapAnthropic(new Anthropic(), gatehouse);
 * ```
 */
export function wrapAnthropic<C extends Anthropic>(client: C, gatehouse: Gatehouse, options: WrapAnthropicOptions = {}): C {
  const already = wrapped.get(client);
  return govern(already === undefined ? client : (already.copy({}) as C), new ModelCalls(gatehouse, "anthropic", INTEGRATION, options));
}

function govern<C extends Anthropic>(client: C, calls: ModelCalls): C {
  const copy = client.withOptions.bind(client);
  governMessages(client, client.messages, calls);
  governMessages(client, client.beta.messages, calls);
  client.withOptions = (copyOptions) => govern(copy(copyOptions), calls);
  wrapped.set(client, { calls, copy });
  return client;
}

/**
 * Resolves when every outcome the wrapped `client` is reporting has been answered: reports go out
 * after the model call returns, without holding it up. Await it before a process exits by
 * `process.exit()`, or in a test.
 */
export async function flushReports(client: Anthropic): Promise<void> {
  await wrapped.get(client)?.calls.flush();
}

type PromiseArgs = ConstructorParameters<typeof APIPromise>;
type RequestOptions = Parameters<Anthropic["messages"]["create"]>[1];

/** What the wrapper reads of a request: the same fields in `messages` and `beta.messages`. */
interface MessagesBody {
  model: string;
  max_tokens: number;
  system?: unknown;
  messages: unknown;
  tools?: unknown;
  stream?: boolean | null;
}

function signalOf(options: RequestOptions): AbortSignal | undefined {
  return options !== null && typeof options === "object" && "signal" in options && options.signal instanceof AbortSignal ? options.signal : undefined;
}

function governMessages(client: Anthropic, resource: { create: (...args: never[]) => unknown }, calls: ModelCalls): void {
  const create = resource.create.bind(resource) as unknown as (body: MessagesBody, options?: RequestOptions) => unknown;
  const governed = (body: MessagesBody, options?: RequestOptions) => {
    const stream = body.stream === true;
    const declared: Declared = {
      request: body,
      model: body.model,
      inputTokens: estimateTokens([body.system, body.messages, body.tools]),
      maxOutputTokens: tokenCount(typeof body.max_tokens === "number" ? body.max_tokens : calls.defaultMaxOutputTokens),
      stream,
      prompt: { system: body.system, messages: body.messages },
    };
    const signal = signalOf(options);
    return governedPromise(
      (responsePromise, parse) => new APIPromise(client, responsePromise as PromiseArgs[1], parse as PromiseArgs[2]),
      calls.decide(declared, signal),
      (call) => create(call.outgoing(body), options),
      (call, parsed) => {
        if (stream) return meteredStream(parsed as ProviderStream<RawMessageStreamEvent>, call, messagesMeter(body.model), client, messagesScreen(call));
        const message = call.answered(parsed as Message, [{ path: ["content"], value: (parsed as Message).content }]);
        call.succeeded(message.usage ? usageOf(message.model || body.model, message.usage) : undefined);
        return message;
      },
    );
  };
  resource.create = governed as unknown as typeof resource.create;
}

type TokenCounts = Pick<MessageUsage, "output_tokens"> & Partial<Pick<MessageDeltaUsage, "input_tokens" | "cache_read_input_tokens" | "cache_creation_input_tokens">>;

/**
 * A message's usage: Anthropic counts input read from the cache and written to it apart from
 * `input_tokens`; Gatehouse's `inputTokens` is all three, the two cache counts its parts.
 */
function usageOf(model: string, usage: TokenCounts): Usage {
  const read = usage.cache_read_input_tokens ?? 0;
  const written = usage.cache_creation_input_tokens ?? 0;
  return {
    model,
    inputTokens: (usage.input_tokens ?? 0) + read + written,
    outputTokens: usage.output_tokens,
    ...(read > 0 ? { cachedInputTokens: read } : {}),
    ...(written > 0 ? { cacheWriteTokens: written } : {}),
  };
}

/**
 * A message stream's usage: `message_start` carries the input's, `message_delta` the output's (its
 * counts are running totals, and name the input's again when they changed); the usage is complete
 * with `message_delta`.
 */
function messagesMeter(requested: string): StreamMeter<RawMessageStreamEvent> {
  let model = requested;
  let counts: TokenCounts | undefined;
  let complete = false;
  return {
    see(event) {
      if (event.type === "message_start") {
        model = event.message.model || requested;
        counts = event.message.usage;
      } else if (event.type === "message_delta") {
        const delta = event.usage;
        counts = {
          input_tokens: delta.input_tokens ?? counts?.input_tokens ?? null,
          cache_read_input_tokens: delta.cache_read_input_tokens ?? counts?.cache_read_input_tokens ?? null,
          cache_creation_input_tokens: delta.cache_creation_input_tokens ?? counts?.cache_creation_input_tokens ?? null,
          output_tokens: delta.output_tokens,
        };
        complete = true;
      }
      return true;
    },
    usage: () => (complete && counts !== undefined ? usageOf(model, counts) : undefined),
    seen: () => (counts === undefined ? undefined : usageOf(model, counts)),
  };
}

/**
 * A message stream on its way to the caller: each content block's text and tool input kept for the
 * answer screen and restored (docs/guardrails.md); text held back at a block's end is yielded as one more
 * delta of its kind before the `content_block_stop`, and what is held when the stream ends likewise.
 */
function messagesScreen(call: ModelCall): StreamScreen<RawMessageStreamEvent> {
  const open = new Map<number, { restorer: ReturnType<ModelCall["restorer"]>; kind: "text_delta" | "input_json_delta" }>();
  const flush = (index: number): RawMessageStreamEvent[] => {
    const entry = open.get(index);
    open.delete(index);
    if (!entry?.restorer.holding) return [];
    const text = entry.restorer.end();
    const delta = entry.kind === "text_delta" ? { type: "text_delta" as const, text } : { type: "input_json_delta" as const, partial_json: text };
    return [{ type: "content_block_delta", index, delta }];
  };
  const restored = (index: number, kind: "text_delta" | "input_json_delta", text: string): string => {
    if (!call.restores) return text;
    let entry = open.get(index);
    if (!entry) open.set(index, (entry = { restorer: call.restorer(), kind }));
    return entry.restorer.push(text);
  };
  return {
    pass(event) {
      if (event.type === "content_block_delta") {
        const { delta } = event;
        if (delta.type === "text_delta") {
          call.streamed(["content", event.index, "text"], delta.text);
          delta.text = restored(event.index, "text_delta", delta.text);
        } else if (delta.type === "input_json_delta") {
          call.streamed(["content", event.index, "input"], delta.partial_json);
          delta.partial_json = restored(event.index, "input_json_delta", delta.partial_json);
        }
        return [event];
      }
      if (event.type === "content_block_stop") return [...flush(event.index), event];
      return [call.restore(event)];
    },
    end() {
      return [...open.keys()].flatMap(flush);
    },
  };
}
