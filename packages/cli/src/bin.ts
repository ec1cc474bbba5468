#!/usr/bin/env node
/** The `gatehouse` executable: runs {@link main} on this process's arguments, environment and streams. */
import { main } from "./cli.ts";
import { cliEnv } from "./env.ts";
import { readSecret, readSecrets } from "./secret-input.ts";
import { text } from "node:stream/consumers";

// The first Ctrl-C stops the command (tail ends with status 0); a second one kills the process.
const interrupt = new AbortController();
process.once("SIGINT", () => interrupt.abort());
process.exitCode = await main({
  argv: process.argv.slice(2),
  env: cliEnv(),
  fetch: globalThis.fetch,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: interrupt.signal,
  // `gatehouse login` without --api-key: piped in, or typed at a hidden prompt (on stderr, so stdout stays clean).
  readSecret: (prompt) => readSecret(prompt, process.stdin, process.stderr),
  readSecrets: (prompts) => readSecrets(prompts, process.stdin, process.stderr),
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutStream: process.stdout,
  readStdin: () => text(process.stdin),
});
