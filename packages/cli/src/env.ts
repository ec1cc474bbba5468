/**
 * The only place the CLI reads `process.env`, and only its entry point (bin.ts) calls it: the SDK's
 * client classes take everything as options. The values are checked where they are used (the key's
 * format and the URL by the client, their presence by the CLI).
 */

/** The environment the CLI reads. */
export interface CliEnv {
  /** The org admin key, `gh_admin_…` (for `tail`, an agent's `gh_…` key also works); `--api-key` wins over it. */
  GATEHOUSE_API_KEY?: string | undefined;
  /** Where the Gatehouse API listens; `--base-url` wins over it. Default: `http://localhost:4000`. */
  GATEHOUSE_BASE_URL?: string | undefined;
}

export function cliEnv(): CliEnv {
  return { GATEHOUSE_API_KEY: process.env.GATEHOUSE_API_KEY, GATEHOUSE_BASE_URL: process.env.GATEHOUSE_BASE_URL };
}
