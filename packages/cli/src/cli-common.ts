/** What every `gatehouse` command shares: its exit statuses and the error for a command-line mistake. */
import { DEFAULT_BASE_URL } from "@gatehouse/sdk";

/** Exit statuses. */
export const EXIT_OK = 0;
/** The call or the file failed (for `verify` and `audit proof`: the log or the proof is not valid). */
export const EXIT_FAILURE = 1;
/** The command line was wrong (for `verify`, also: a file could not be read). */
export const EXIT_USAGE = 2;

/** A command line mistake: printed with a pointer to the help, exit status 2. */
export class UsageError extends Error {}

/** An ISO 8601 time without its milliseconds. */
export function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

/** Columns padded to their widest cell, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .concat("\n");
  return [header, ...rows].map(line).join("");
}

/** Refuses arguments after the ones a command takes. */
export function noMore(rest: readonly string[]): void {
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
}

/** Prints a value as indented JSON (`--json`). */
export function printJson(stdout: (text: string) => void, value: unknown): number {
  stdout(`${JSON.stringify(value, null, 2)}\n`);
  return EXIT_OK;
}

const BASE_URL_OPTION = `  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else gatehouse
                     login's, else ${DEFAULT_BASE_URL}`;

/** The connection options, as the help of a command with an org admin key says them. */
export const CONNECTION_OPTIONS = `Connection:
  --api-key <key>    Org admin key (gh_admin_…). Default: $GATEHOUSE_API_KEY, else gatehouse login's
${BASE_URL_OPTION}`;

/** The connection options of a command that takes any key of the org; `what` is what each key sees. */
export function anyKeyConnectionOptions(adminSees: string, agentSees: string): string {
  return `Connection:
  --api-key <key>    Org admin key (gh_admin_…: ${adminSees}) or agent key (gh_…: its
                     ${agentSees}). Default: $GATEHOUSE_API_KEY, else gatehouse login's
${BASE_URL_OPTION}`;
}

/** A command's help with the connection options after it. */
export function withConnection(text: string): string {
  return `${text}\n\n${CONNECTION_OPTIONS}\n`;
}
