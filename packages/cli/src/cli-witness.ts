/**
 * `gatehouse witness init|key|serve`: a C2SP tlog-witness (./witness.ts) with its own key and its
 * own record, run by someone other than the log's operator (docs/audit.md, Witnesses).
 */
import type { AddressInfo } from "node:net";
import { EXIT_OK, noMore, UsageError } from "./cli-common.ts";
import { readKeyArguments } from "./cli-audit.ts";
import { defineCommand, type CommandGroup } from "./command.ts";
import { initWitness, loadWitnessKey, lockWitnessDir, Witness, witnessServer } from "./witness.ts";

const DEFAULT_PORT = 7380;

const INIT_HELP = `Usage: gatehouse witness init --dir <dir> --name <name>

Creates a witness: a new Ed25519 cosignature key (C2SP tlog-cosignature, type 0x04) in
<dir>/witness.key (mode 0600) and prints its verifier key, the line an org puts in its witness
policy (witness <name> <vkey> <url>). The name identifies the witness, e.g. witness.example.com/w1.
Refuses a directory that already holds a key.
`;

const KEY_HELP = `Usage: gatehouse witness key --dir <dir>

Prints the witness's verifier key.
`;

const SERVE_HELP = `Usage: gatehouse witness serve --dir <dir> --log <vkey>|@<file>… [--host <addr>] [--port <n>]

Runs the witness (C2SP tlog-witness) over HTTP:
  POST /add-checkpoint            old <size>, a consistency proof, a blank line, a signed checkpoint
  GET  /<sha256(origin)>/checkpoint   the latest checkpoint it cosigned of that log

It cosigns a checkpoint of a log it was given (--log, the log's checkpoint keys: gatehouse audit
keys --format text > keys.txt, then --log @keys.txt; refresh it after the org rotates its key) only
when the checkpoint is signed by that log and a consistency proof shows it extends the last
checkpoint it cosigned. A checkpoint that does not is a fork: it is refused with 422 and a reason,
and the evidence is appended to <dir>/forks.jsonl. Its record (<dir>/state.json) is written and
synced before any cosignature leaves; one process serves a directory at a time.

Options:
  --dir <dir>        The witness's directory (gatehouse witness init)
  --log <vkey>       A log's verifier key, or @file with one per line (repeatable; required)
  --host <addr>      The address to listen on. Default: 127.0.0.1
  --port <n>         The port (0: any free port). Default: ${DEFAULT_PORT}

Runs until interrupted (Ctrl-C, SIGTERM).
`;

function dirOf(dir: string | undefined): string {
  if (!dir) throw new UsageError("--dir <dir> is required: the witness's directory");
  return dir;
}

const init = defineCommand({
  name: "init",
  synopsis: "--dir <dir> --name <name>",
  summary: "Create a witness: its key, and the verifier key to give the log",
  options: { dir: { type: "string" }, name: { type: "string" } },
  connection: "none",
  help: INIT_HELP,
  async run(io, args, options) {
    noMore(args);
    const dir = dirOf(options.dir);
    if (!options.name) throw new UsageError("--name <name> is required (e.g. witness.example.com/w1)");
    if (/[\s+]/.test(options.name)) throw new UsageError("--name has no spaces and no '+'");
    const { vkey } = await initWitness(dir, options.name);
    io.stdout(`${vkey}\n`);
    io.stderr(`Created the witness ${options.name} in ${dir}. Its verifier key (above) goes in the org's witness policy:\n  witness <name> ${vkey} <url of this witness>\n`);
    return EXIT_OK;
  },
});

const key = defineCommand({
  name: "key",
  synopsis: "--dir <dir>",
  summary: "Print the witness's verifier key",
  options: { dir: { type: "string" } },
  connection: "none",
  help: KEY_HELP,
  async run(io, args, options) {
    noMore(args);
    io.stdout(`${(await loadWitnessKey(dirOf(options.dir))).vkey}\n`);
    return EXIT_OK;
  },
});

const serve = defineCommand({
  name: "serve",
  synopsis: "--dir <dir> --log <vkey>|@<file>… [--host <addr>] [--port <n>]",
  summary: "Run the witness over HTTP (C2SP tlog-witness)",
  options: { dir: { type: "string" }, log: { type: "string", multiple: true }, host: { type: "string" }, port: { type: "string" } },
  connection: "none",
  help: SERVE_HELP,
  async run(io, args, options) {
    noMore(args);
    const dir = dirOf(options.dir);
    if (options.log.length === 0) throw new UsageError("--log <vkey>|@<file> is required: the keys of the logs this witness cosigns");
    const logs = await readKeyArguments(options.log, io.readFile);
    const port = options.port === undefined ? DEFAULT_PORT : Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError("--port is 0 to 65535");
    // The lock first, then the record: no other process writes it while this one reads and serves it.
    const unlock = await lockWitnessDir(dir);
    let witness: Witness;
    try {
      witness = await Witness.open({ dir, logs, report: (line) => io.stderr(`gatehouse witness: ${line}\n`) });
    } catch (error) {
      await unlock();
      throw error;
    }
    const server = witnessServer(witness);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, options.host ?? "127.0.0.1", () => resolve());
      });
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      io.stderr(`gatehouse witness: ${witness.cosigner.name} on http://${host}:${address.port} for ${witness.origins().join(", ")}\n`);
      io.stdout(`${witness.vkey}\n`);
      await new Promise<void>((resolve) => {
        if (io.signal === undefined) return;
        if (io.signal.aborted) resolve();
        io.signal.addEventListener("abort", () => resolve(), { once: true });
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await unlock();
    }
    return EXIT_OK;
  },
});

export const witnessGroup: CommandGroup = {
  name: "witness",
  commands: [init, key, serve],
  notes: "A witness runs apart from the Gatehouse server, with its own key and record: it needs no Gatehouse key.",
};
