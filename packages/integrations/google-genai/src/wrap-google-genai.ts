/**
 * `wrapGoogleGenAI`: Google's official Gen AI client (`@google/genai`), governed. Every
 * `models.generateContent` and `models.generateContentStream` call (and the SDK's chats, built on
 * them) is decided by Gatehouse first, as the action `llm.google.<model>` declaring its spend; a
 * refused call throws the SDK's `BudgetExceededError` or `DeniedError` and sends nothing. The prompt
 * (`contents` and `config.systemInstruction`) is screened before it leaves, personal data comes back
 * in the answer, the answer is screened, and its usage settles the decision's reservation, reported off
 * the call's path.
 */
import type { GenerateContentParameters, GenerateContentResponse, GenerateContentResponseUsageMetadata, GoogleGenAI, Part } from "@google/genai";
import type { Gatehouse, Usage } from "@gatehouse/sdk";
import { estimateTokens, ModelCalls, tokenCount, type Declared, type ModelCall, type ModelCallOptions } from "@gatehouse/sdk/model-call";
import { INTEGRATION } from "./version.ts";

/** Options of {@link wrapGoogleGenAI}. */
export type WrapGoogleGenAIOptions = ModelCallOptions;

type Models = GoogleGenAI["models"];
type Generate = Models["generateContent"];
type GenerateStream = Models["generateContentStream"];

/** The first `generate` methods of a wrapped client's `models` (for a copy to govern anew), and the calls of the client (for {@link flushReports}). */
const wrapped = new WeakMap<object, { generateContent: Generate; generateContentStream: GenerateStream; calls: ModelCalls }>();

/**
 * Governs `client`'s model calls with `gatehouse` (the agent's client, or a `RunClient` for a run) and
 * returns it. `client.chats` goes through the same `models`, so a chat's messages are governed too.
 * Wrapping a client that is wrapped already governs a copy of it (sharing its connection settings) with
 * the new settings, and leaves the first as it was: one client per run, `wrapGoogleGenAI(ai, run)`.
 *
 * ```ts
 * const ai = wrapGoogleGenAI(new GoogleGenAI({ apiKey }), gatehouse);
 * ```
 */
export function wrapGoogleGenAI<C extends GoogleGenAI>(client: C, gatehouse: Gatehouse, options: WrapGoogleGenAIOptions = {}): C {
  const calls = new ModelCalls(gatehouse, "google", INTEGRATION, options);
  const first = wrapped.get(client);
  if (first === undefined) {
    const models = client.models;
    govern(client, models, { generateContent: models.generateContent.bind(models), generateContentStream: models.generateContentStream.bind(models), calls });
    return client;
  }
  // A copy: its own `models` (the first's, with governed methods of its own) and `chats` on them.
  const copy = Object.create(client) as C;
  const models = Object.create(client.models) as Models;
  const Chats = client.chats.constructor as new (models: Models, apiClient: unknown) => C["chats"];
  const chats = new Chats(models, (client as unknown as { apiClient: unknown }).apiClient);
  Object.defineProperties(copy, { models: { value: models, enumerable: true }, chats: { value: chats, enumerable: true } });
  govern(copy, models, { ...first, calls });
  return copy;
}

function govern(client: GoogleGenAI, models: Models, entry: { generateContent: Generate; generateContentStream: GenerateStream; calls: ModelCalls }): void {
  const { generateContent, generateContentStream, calls } = entry;
  wrapped.set(client, entry);

  models.generateContent = async (params) => {
    const declared = declare(params, calls, false);
    const call = await calls.decide(declared, params.config?.abortSignal);
    let response: GenerateContentResponse;
    try {
      response = await generateContent(outgoing(call, params));
    } catch (error) {
      call.failed(error);
      throw error;
    }
    const answer = call.answered(response, [{ path: ["candidates"], value: response.candidates }]);
    call.succeeded(response.usageMetadata ? usageOf(modelOf(response.modelVersion ?? "") || declared.model, response.usageMetadata) : undefined);
    return answer;
  };

  models.generateContentStream = async (params) => {
    const declared = declare(params, calls, true);
    const call = await calls.decide(declared, params.config?.abortSignal);
    let chunks: AsyncGenerator<GenerateContentResponse>;
    try {
      chunks = await generateContentStream(outgoing(call, params));
    } catch (error) {
      call.failed(error);
      throw error;
    }
    return governedChunks(chunks, call, declared.model);
  };
}

/**
 * Resolves when every outcome the wrapped `client` is reporting has been answered: reports go out
 * after the model call returns, without holding it up. Await it before a process exits by
 * `process.exit()`, or in a test.
 */
export async function flushReports(client: GoogleGenAI): Promise<void> {
  await wrapped.get(client)?.calls.flush();
}

/** A model as Gatehouse names it: Google's id without its `models/` prefix. */
function modelOf(model: string): string {
  return model.replace(/^models\//, "");
}

/** A tool the SDK calls itself (a `CallableTool`, an MCP client): it has a `callTool` function. */
function isCallable(tool: unknown): boolean {
  return tool !== null && typeof tool === "object" && typeof (tool as { callTool?: unknown }).callTool === "function";
}

/**
 * What a request declares. Callable tools with the SDK's automatic function calling are refused before
 * anything is asked or sent: the SDK would then send the tools' results to Google in requests of its
 * own, which no decision saw and no screen read. With `config.automaticFunctionCalling.disable` the
 * caller runs the tools, and each turn is a call of its own.
 */
function declare(params: GenerateContentParameters, calls: ModelCalls, stream: boolean): Declared {
  const config = params.config ?? {};
  const tools = (config.tools ?? []) as unknown[];
  if (config.automaticFunctionCalling?.disable !== true && tools.some(isCallable)) {
    throw new TypeError(
      "wrapGoogleGenAI: automatic function calling with callable tools is not governed (the SDK would send the tools' results itself); set config.automaticFunctionCalling.disable and run the tools in your loop",
    );
  }
  const declaredTools = tools.filter((tool) => !isCallable(tool));
  const model = modelOf(params.model);
  const candidates = typeof config.candidateCount === "number" && config.candidateCount > 1 ? config.candidateCount : 1;
  const maxOutput = typeof config.maxOutputTokens === "number" ? config.maxOutputTokens : calls.defaultMaxOutputTokens;
  const { abortSignal: _signal, httpOptions: _http, ...settings } = config;
  return {
    request: { model: params.model, contents: params.contents, config: { ...settings, tools: declaredTools } },
    model,
    inputTokens: estimateTokens([config.systemInstruction, params.contents, declaredTools.length > 0 ? declaredTools : undefined]),
    maxOutputTokens: tokenCount(maxOutput * candidates),
    stream,
    prompt: { contents: params.contents, ...(config.systemInstruction === undefined ? {} : { systemInstruction: config.systemInstruction }) },
  };
}

/** The request as it may leave: `contents` and `config.systemInstruction` as the call's content rules rewrote them. */
function outgoing(call: ModelCall, params: GenerateContentParameters): GenerateContentParameters {
  const system = params.config?.systemInstruction;
  const parts = call.outgoing({ contents: params.contents, systemInstruction: system });
  if (parts.contents === params.contents && parts.systemInstruction === system) return params;
  return { ...params, contents: parts.contents, ...(params.config === undefined ? {} : { config: { ...params.config, systemInstruction: parts.systemInstruction } }) };
}

/**
 * A response's usage: `promptTokenCount` is the whole prompt, its cached part included
 * (`cachedContentTokenCount`), to which the tools' own prompt adds; the output is the candidates' and
 * the model's thoughts' tokens, both priced as output.
 */
function usageOf(model: string, usage: GenerateContentResponseUsageMetadata): Usage {
  const inputTokens = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const cached = Math.min(inputTokens, usage.cachedContentTokenCount ?? 0);
  return { model, inputTokens, outputTokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0), ...(cached > 0 ? { cachedInputTokens: cached } : {}) };
}

/**
 * The chunks the caller gets: each as Google sent it, its text restored (text held back at a chunk's
 * end, a placeholder's possible start, is given with the candidate's next text, or with the chunk that
 * finishes the candidate). The usage is every chunk's last `usageMetadata`, complete once a candidate
 * finished. When the chunks end the call is settled with it (or, when none came, the declared maximum,
 * estimated); when the caller breaks off or aborts, `partial` at the declared maximum; when it fails,
 * `failure`.
 */
async function* governedChunks(chunks: AsyncGenerator<GenerateContentResponse>, call: ModelCall, requested: string): AsyncGenerator<GenerateContentResponse> {
  let model = requested;
  let usage: GenerateContentResponseUsageMetadata | undefined;
  let finished = false;
  let last: GenerateContentResponse | undefined;
  const open = new Map<string, ReturnType<ModelCall["restorer"]>>();
  const restored = (index: number, thought: boolean, text: string): string => {
    if (!call.restores) return text;
    const key = `${index}:${thought}`;
    let restorer = open.get(key);
    if (!restorer) open.set(key, (restorer = call.restorer()));
    return restorer.push(text);
  };
  const held = (index: number, thought: boolean): string => {
    const key = `${index}:${thought}`;
    const restorer = open.get(key);
    open.delete(key);
    return restorer?.holding ? restorer.end() : "";
  };
  const seen = (): Usage | undefined => (usage === undefined ? undefined : usageOf(model, usage));
  let ended = false;
  try {
    for await (const chunk of chunks) {
      last = chunk;
      if (chunk.modelVersion) model = modelOf(chunk.modelVersion);
      if (chunk.usageMetadata) usage = chunk.usageMetadata;
      for (const [position, candidate] of (chunk.candidates ?? []).entries()) {
        const index = candidate.index ?? position;
        for (const part of candidate.content?.parts ?? []) screenPart(call, index, part, restored);
        if (candidate.finishReason !== undefined) {
          finished = true;
          for (const thought of [true, false]) {
            const text = held(index, thought);
            if (text === "") continue;
            candidate.content ??= { role: "model", parts: [] };
            candidate.content.parts ??= [];
            candidate.content.parts.push(thought ? { text, thought } : { text });
          }
        }
      }
      yield chunk;
    }
    for (const key of [...open.keys()]) {
      const [index, thought] = [Number(key.split(":")[0]), key.endsWith(":true")];
      const text = held(index, thought);
      if (text === "" || last === undefined) continue;
      const extra = Object.assign(Object.create(Object.getPrototypeOf(last) as object) as GenerateContentResponse, {
        candidates: [{ index, content: { role: "model", parts: [thought ? { text, thought } : { text }] } }],
      });
      yield extra;
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

/** One part of a streamed candidate: its text kept for the answer screen and restored; anything else (a function call's arguments) restored in place. */
function screenPart(call: ModelCall, index: number, part: Part, restored: (index: number, thought: boolean, text: string) => string): void {
  if (typeof part.text === "string") {
    call.streamed(["candidates", index, "content", "parts", part.thought === true ? "thought" : "text"], part.text);
    part.text = restored(index, part.thought === true, part.text);
    return;
  }
  if (part.functionCall !== undefined) call.streamed(["candidates", index, "content", "parts", "functionCall"], JSON.stringify(part.functionCall));
  call.restore(part);
}
