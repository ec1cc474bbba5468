/**
 * How `gatehouse login` reads a key it was not given with --api-key: piped in (stdin is not a
 * terminal: its first line), or typed at a prompt on the terminal that shows nothing of it.
 */
import type { Readable, Writable } from "node:stream";

/** Reads the first line of a piped stdin. */
export async function readFirstLine(input: Readable): Promise<string> {
  let text = "";
  for await (const chunk of input) {
    text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    if (text.includes("\n")) break;
  }
  return (text.split(/\r?\n/)[0] ?? "").trim();
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
