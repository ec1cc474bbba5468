/** What the CLI tests share; the fetch scripting and API fixtures are the SDK tests'. */
import { ADMIN_KEY, type Call } from "../../sdk/test/helpers.ts";

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
