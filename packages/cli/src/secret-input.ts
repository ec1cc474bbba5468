/**
 * How `gatehouse login` reads a key it was not given with --api-key, and `integrations slack connect`
 * the app's two secrets: piped in (stdin is not a terminal: its first lines), or typed at prompts on the
 * terminal that show nothing of them. Never on the command line, where every local user can read them.
 */
import type { Readable, Writable } from "node:stream";

/** Reads the first line of a piped stdin. */
export async function readFirstLine(input: Readable): Promise<string> {
  return (await readLines(input, 1))[0] ?? "";
}

/** Reads the first `count` lines of a piped stdin, each trimmed; fewer when the input ends first. Stops reading once it has them. */
export async function readLines(input: Readable, count: number): Promise<string[]> {
  let text = "";
  const complete = () => (text.match(/\n/g) ?? []).length >= count;
  for await (const chunk of input) {
    text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    if (complete()) break;
  }
  const lines = text.split(/\r?\n/).slice(0, count);
  // The text after the last newline is a line only when the input ended without one.
  return (complete() ? lines : lines.filter((line, i) => i < lines.length - 1 || line !== "")).map((line) => line.trim());
}

/** Asks on the terminal with echo off (raw mode), until Enter; Ctrl-C or Ctrl-D gives up. */
export function promptHidden(prompt: string, input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }, output: Writable): Promise<string> {
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = "";
    const done = (error: Error | null) => {
      input.setRawMode?.(false);
      input.pause();
      input.off("data", onData);
      output.write("\n");
      if (error) reject(error);
      else resolve(typed.trim());
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of typeof chunk === "string" ? chunk : chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return done(null);
        if (char === "\u0003" || char === "\u0004") return done(new Error("cancelled"));
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    input.setRawMode?.(true);
    input.resume();
    input.on("data", onData);
  });
}

/** The key from stdin: piped (its first line) or typed at a hidden prompt on a terminal. */
export function readSecret(prompt: string, input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }, output: Writable): Promise<string> {
  return input.isTTY ? promptHidden(prompt, input, output) : readFirstLine(input);
}

/** Several secrets, one per prompt: piped (the first lines, one each) or typed at hidden prompts, one after another, on a terminal. */
export async function readSecrets(prompts: readonly string[], input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }, output: Writable): Promise<string[]> {
  if (!input.isTTY) return readLines(input, prompts.length);
  const answers: string[] = [];
  for (const prompt of prompts) answers.push(await promptHidden(prompt, input, output));
  return answers;
}
