/** What the CLI tests share; the fetch scripting and API fixtures are the SDK tests'. */
import { ADMIN_KEY, scriptedFetch, type Call, type Reply } from "../../sdk/test/helpers.ts";
import { main, type CliContext } from "../src/cli.ts";

export * from "../../sdk/test/helpers.ts";

/** What a CLI run in a test gives back: exit code, output and the requests it made. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  calls: Call[];
}

/** The environment CLI tests run with unless they pass their own. */
export const CLI_ENV = { GATEHOUSE_API_KEY: ADMIN_KEY, GATEHOUSE_BASE_URL: "https://gh.example.com" };

/** What a test may set of the CLI's world besides its arguments and the scripted fetch; `onStdout` sees the output so far. */
export type CliWorld = Partial<Omit<CliContext, "argv" | "fetch" | "stdout" | "stderr">> & { onStdout?: (stdout: string) => void };

/** Runs the CLI on a scripted fetch (and `CLI_ENV` unless `world.env` says otherwise), capturing its output. */
export async function runCli(argv: string[], replies: Reply[], world: CliWorld = {}): Promise<CliRun> {
  const { fetch, calls } = scriptedFetch(replies);
  const { onStdout, ...rest } = world;
  let stdout = "";
  let stderr = "";
  const code = await main({
    env: CLI_ENV,
    ...rest,
    argv,
    fetch,
    stdout: (text) => {
      stdout += text;
      onStdout?.(stdout);
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr, calls };
}

/** Runs the CLI on a scripted fetch and an in-memory file system (`files`: path → text), capturing its output. */
export function runCliWithFiles(argv: string[], replies: Reply[] = [], { files = {}, ...world }: CliWorld & { files?: Record<string, string> } = {}): Promise<CliRun> {
  return runCli(argv, replies, {
    ...world,
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
  });
}
