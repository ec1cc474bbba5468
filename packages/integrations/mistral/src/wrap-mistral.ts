/**
 * `wrapMistral`: Mistral's official client (`@mistralai/mistralai`), governed. Every chat completion
 * (`chat.complete`, `chat.stream`, and the SDK's structured-output twins `chat.parse`,
 * `chat.parseStream`) is decided by Gatehouse first, as the action `llm.mistral.<model>` declaring its
 * spend; a refused call throws the SDK's `BudgetExceededError` or `DeniedError` and sends nothing. The
 * messages are screened before they leave, personal data comes back in the answer, the answer is
 * screened, and its usage settles the decision's reservation, reported off the call's path.
 */
import type { Mistral } from "@mistralai/mistralai";
import type { CompletionEvent, UsageInfo } from "@mistralai/mistralai/models/components";
import type { Gatehouse, Usage } from "@gatehouse/sdk";
import { estimateTokens, ModelCalls, tokenCount, type Declared, type ModelCall, type ModelCallOptions } from "@gatehouse/sdk/model-call";
import { INTEGRATION } from "./version.ts";

/** Options of {@link wrapMistral}. */
export type WrapMistralOptions = ModelCallOptions;

type Chat = Mistral["chat"];
type RequestOptions = Parameters<Chat["complete"]>[1];

/** The chat methods governed: two answer at once, two stream. */
const ANSWERING = ["complete", "parse"] as const;
const STREAMING = ["stream", "parseStream"] as const;
type Method = (typeof ANSWERING)[number] | (typeof STREAMING)[number];
type Originals = Record<Method, (request: ChatRequest, options?: RequestOptions) => Promise<unknown>>;

/** The first chat methods of a wrapped client (for a copy to govern anew), and the calls of the client (for {@link flushReports}). */
const wrapped = new WeakMap<object, { originals: Originals; calls: ModelCalls }>();

/** What the wrapper reads of a request: the same fields in each of the four. */
interface ChatRequest {
  model: string;
  messages: unknown;
  maxTokens?: number | null;
  n?: number | null;
  tools?: unknown;
  responseFormat?: unknown;
}

/** What the wrapper reads of an answer. */
interface ChatAnswer {
  model?: string;
  choices?: unknown;
  usage?: UsageInfo;
}

/**
 * Governs `client`'s chat completions with `gatehouse` (the agent's client, or a `RunClient` for a run)
 * and returns it. Wrapping a client that is wrapped already governs a copy of it (sharing its settings
 * and connection) with the new settings, and leaves the first as it was: one client per run,
 * `wrapMistral(mistral, run)`.
 *
 * ```ts
 * const mistral = wrapMistral(new Mistral({ apiKey }), gatehouse);
 * ```
 */
export function wrapMistral<C extends Mistral>(client: C, gatehouse: Gatehouse, options: WrapMistralOptions = {}): C {
  const calls = new ModelCalls(gatehouse, "mistral", INTEGRATION, options);
  const first = wrapped.get(client);
  if (first === undefined) {
    const chat = client.chat;
    const methods = Object.getPrototypeOf(chat) as Record<Method, Originals[Method]>;
    const originals = Object.fromEntries([...ANSWERING, ...STREAMING].map((name) => [name, methods[name].bind(chat)])) as Originals;
    govern(client, chat, { originals, calls });
    return client;
  }
  // A copy: its own `chat` (the first's, with governed methods of its own).
  const copy = Object.create(client) as C;
  const chat = Object.create(client.chat) as Chat;
  Object.defineProperty(copy, "chat", { value: chat, enumerable: true });
  govern(copy, chat, { originals: first.originals, calls });
  return copy;
}

function govern(client: Mistral, chat: Chat, entry: { originals: Originals; calls: ModelCalls }): void {
  wrapped.set(client, entry);
  const { originals, calls } = entry;
  const target = chat as unknown as Record<Method, Originals[Method]>;
  for (const name of ANSWERING) {
    target[name] = async (request, options) => {
      const declared = declare(request, calls, false);
      const call = await calls.decide(declared, signalOf(options));
      let answer: ChatAnswer;
      try {
        answer = (await originals[name](call.outgoing(request), options)) as ChatAnswer;
      } catch (error) {
        call.failed(error);
        throw error;
      }
      const restored = call.answered(answer, [{ path: ["choices"], value: answer.choices }]);
      call.succeeded(answer.usage ? usageOf(answer.model || declared.model, answer.usage) : undefined);
      return restored;
    };
  }
  for (const name of STREAMING) {
    target[name] = async (request, options) => {
      const declared = declare(request, calls, true);
      const call = await calls.decide(declared, signalOf(options));
      let events: ReadableStream<CompletionEvent>;
      try {
        events = (await originals[name](call.outgoing(request), options)) as ReadableStream<CompletionEvent>;
      } catch (error) {
        call.failed(error);
        throw error;
      }
      return streamLike(governedEvents(events, call, declared.model), events);
    };
  }
}

/**
 * Resolves when every outcome the wrapped `client` is reporting has been answered: reports go out
 * after the model call returns, without holding it up. Await it before a process exits by
 * `process.exit()`, or in a test.
 */
export async function flushReports(client: Mistral): Promise<void> {
  await wrapped.get(client)?.calls.flush();
}

function signalOf(options: RequestOptions): AbortSignal | undefined {
  const signal = options?.signal ?? options?.fetchOptions?.signal;
  return signal instanceof AbortSignal ? signal : undefined;
}

/** What a request declares: its messages are the prompt; `n` answers may each write `maxTokens`. */
function declare(request: ChatRequest, calls: ModelCalls, stream: boolean): Declared {
  const answers = typeof request.n === "number" && request.n > 1 ? request.n : 1;
  const maxOutput = typeof request.maxTokens === "number" ? request.maxTokens : calls.defaultMaxOutputTokens;
  // `parse` takes a Zod schema as its response format: the digest tells calls apart without it.
  const { responseFormat, ...rest } = request;
  const format = responseFormat !== null && typeof responseFormat === "object" && !("_def" in responseFormat) && !("_zod" in responseFormat) ? { responseFormat } : {};
  return {
    request: { ...rest, ...format },
    model: request.model,
    inputTokens: estimateTokens([request.messages, request.tools]),
    maxOutputTokens: tokenCount(maxOutput * answers),
    stream,
    prompt: { messages: request.messages },
  };
}

/** An answer's usage: Mistral counts the prompt's and the completion's tokens. */
function usageOf(model: string, usage: UsageInfo): Usage {
  return { model, inputTokens: usage.promptTokens ?? 0, outputTokens: usage.completionTokens ?? 0 };
}

/**
 * A stream of the same class as the SDK's (its `EventStream`, a `ReadableStream`: `for await`,
 * `getReader()`, `cancel()` work) that yields `events`, pulled one at a time as the caller reads.
 */
function streamLike<T>(events: AsyncGenerator<T>, like: ReadableStream<T>): ReadableStream<T> {
  const stream = new ReadableStream<T>(
    {
      async pull(controller) {
        try {
          const next = await events.next();
          if (next.done === true) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await events.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  Object.setPrototypeOf(stream, Object.getPrototypeOf(like) as object);
  return stream;
}

type Content = string | Array<Record<string, unknown>> | null | undefined;

/**
 * The events the caller gets: each as Mistral sent it, its text restored (text held back at an
 * event's end, a placeholder's possible start, is given with the choice's next text, or with the event
 * that finishes the choice). The usage is the last event's that carried one, complete once a choice
 * finished. When the events end the call is settled with it (or, when none came, the declared maximum,
 * estimated); when the caller breaks off or aborts, `partial` at the declared maximum; when it fails,
 * `failure`.
 */
async function* governedEvents(source: ReadableStream<CompletionEvent>, call: ModelCall, requested: string): AsyncGenerator<CompletionEvent> {
  let model = requested;
  let usage: UsageInfo | undefined;
  let finished = false;
  let last: CompletionEvent | undefined;
  const open = new Map<number, ReturnType<ModelCall["restorer"]>>();
  const restored = (index: number, text: string): string => {
    if (!call.restores) return text;
    let restorer = open.get(index);
    if (!restorer) open.set(index, (restorer = call.restorer()));
    return restorer.push(text);
  };
  const held = (index: number): string => {
    const restorer = open.get(index);
    open.delete(index);
    return restorer?.holding ? restorer.end() : "";
  };
  const withText = (content: Content, text: string): Content => (Array.isArray(content) ? [...content, { type: "text", text }] : `${content ?? ""}${text}`);
  const seen = (): Usage | undefined => (usage === undefined ? undefined : usageOf(model, usage));
  let ended = false;
  try {
    for await (const event of source) {
      last = event;
      const chunk = event.data;
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        const { delta, index } = choice;
        if (typeof delta.content === "string") {
          call.streamed(["choices", index, "message", "content"], delta.content);
          delta.content = restored(index, delta.content);
        } else if (Array.isArray(delta.content)) {
          call.streamed(["choices", index, "message", "content"], JSON.stringify(delta.content));
          call.restore(delta.content);
        }
        if (delta.toolCalls) {
          call.streamed(["choices", index, "message", "toolCalls"], JSON.stringify(delta.toolCalls));
          call.restore(delta.toolCalls);
        }
        if (choice.finishReason !== null && choice.finishReason !== undefined) {
          finished = true;
          const text = held(index);
          if (text !== "") delta.content = withText(delta.content as Content, text) as typeof delta.content;
        }
      }
      yield event;
    }
    for (const index of [...open.keys()]) {
      const text = held(index);
      if (text === "" || last === undefined) continue;
      yield { data: { id: last.data.id, model: last.data.model, choices: [{ index, delta: { content: text }, finishReason: null }] } };
    }
    ended = true;
  } catch (error) {
    call.failed(error);
    throw error;
  } finally {
    // The caller broke off (a failure is settled already, and settles once).
    if (!ended) call.stopped(seen());
  }
  call.succeeded(finished && usage !== undefined ? seen() : call.maximum(seen()));
}
