/**
 * A scripted model for the AI SDK's real loop, and the tools it calls. The model decides from the
 * prompt alone, as a real one would after a restart: with no assistant turn yet it calls the tools it
 * was given (with fixed call ids), otherwise it answers with one line per tool result it was shown,
 * so what the model read is the answer's text.
 */
import { tool } from "ai";
import { MockLanguageModelV4, convertArrayToReadableStream } from "ai/test";
import { z } from "zod";

export interface ScriptedCall {
  toolCallId: string;
  toolName: string;
  input: Record<string, unknown>;
}

/** The three calls of the acceptance: one allowed, one denied, one needing approval. */
export const THREE_CALLS: ScriptedCall[] = [
  { toolCallId: "call-read", toolName: "readFile", input: { path: "README.md" } },
  { toolCallId: "call-delete", toolName: "deleteRepo", input: { repo: "acme/api" } },
  { toolCallId: "call-deploy", toolName: "deploy", input: { env: "production" } },
];

const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } };

type Prompt = Parameters<MockLanguageModelV4["doGenerate"]>[0]["prompt"];

/** One line per tool result the model was shown: the output, `denied: <reason>` or `error: <message>`. */
function whatTheModelRead(prompt: Prompt): string {
  const lines: string[] = [];
  for (const message of prompt) {
    if (message.role !== "tool") continue;
    for (const part of message.content) {
      if (part.type !== "tool-result") continue;
      const { output } = part;
      const seen =
        output.type === "text"
          ? output.value
          : output.type === "execution-denied"
            ? `denied: ${output.reason ?? ""}`
            : output.type === "error-text"
              ? `error: ${output.value}`
              : JSON.stringify(output);
      lines.push(`${part.toolName}: ${seen}`);
    }
  }
  return lines.join("\n");
}

export function scriptedModel(calls: ScriptedCall[] = THREE_CALLS): MockLanguageModelV4 {
  const turn = (prompt: Prompt) =>
    prompt.some((message) => message.role === "assistant")
      ? { kind: "answer" as const, text: whatTheModelRead(prompt) }
      : {
          kind: "calls" as const,
          calls: calls.map((call) => ({ type: "tool-call" as const, toolCallId: call.toolCallId, toolName: call.toolName, input: JSON.stringify(call.input) })),
        };
  return new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      const next = turn(prompt);
      return next.kind === "calls"
        ? { content: next.calls, finishReason: { unified: "tool-calls", raw: undefined }, usage, warnings: [] }
        : { content: [{ type: "text", text: next.text }], finishReason: { unified: "stop", raw: undefined }, usage, warnings: [] };
    },
    doStream: async ({ prompt }) => {
      const next = turn(prompt);
      const parts =
        next.kind === "calls"
          ? [...next.calls, { type: "finish" as const, finishReason: { unified: "tool-calls" as const, raw: undefined }, usage }]
          : [
              { type: "text-start" as const, id: "t" },
              { type: "text-delta" as const, id: "t", delta: next.text },
              { type: "text-end" as const, id: "t" },
              { type: "finish" as const, finishReason: { unified: "stop" as const, raw: undefined }, usage },
            ];
      return { stream: convertArrayToReadableStream([{ type: "stream-start" as const, warnings: [] }, ...parts]) };
    },
  });
}

/** The tools the model calls; each run is written to `ran`. `readFile` of `missing.txt` fails. */
export function scriptedTools(ran: string[]) {
  return {
    readFile: tool({
      description: "Read a file of the repository, with a token for a private one",
      inputSchema: z.object({ path: z.string(), token: z.string().optional() }),
      execute: async ({ path }) => {
        ran.push(`readFile ${path}`);
        if (path === "missing.txt") throw new Error(`ENOENT: no such file or directory, open '${path}'`);
        return `# ${path}`;
      },
    }),
    deleteRepo: tool({
      description: "Delete a repository",
      inputSchema: z.object({ repo: z.string() }),
      execute: async ({ repo }) => {
        ran.push(`deleteRepo ${repo}`);
        return `deleted ${repo}`;
      },
    }),
    deploy: tool({
      description: "Deploy the service",
      inputSchema: z.object({ env: z.string() }),
      execute: async ({ env }) => {
        ran.push(`deploy ${env}`);
        return `deployed to ${env}`;
      },
    }),
  };
}
