/**
 * The only place the CLI reads `process.env`, and only its entry point (bin.ts) calls it: the SDK's
 * client classes take everything as options. The values are checked where they are used (the key's
 * format and the URL by the client, their presence by the CLI).
 */
import { homedir } from "node:os";

/** The environment the CLI reads. */
export interface CliEnv {
  /** The org admin key, `gh_admin_…` (for `tail`, an agent's `gh_…` key also works); `--api-key` wins over it, and it over the credentials file. */
  GATEHOUSE_API_KEY?: string | undefined;
  /** Where the Gatehouse API listens; `--base-url` wins over it, and it over the credentials file. Default: `http://localhost:4000`. */
  GATEHOUSE_BASE_URL?: string | undefined;
  /** `gatehouse login` keeps its credentials in `$XDG_CONFIG_HOME/gatehouse/credentials.json` when this is set… */
  XDG_CONFIG_HOME?: string | undefined;
  /** …else in `$HOME/.config/gatehouse/credentials.json`. */
  HOME?: string | undefined;
}

export function cliEnv(): CliEnv {
  return {
    GATEHOUSE_API_KEY: process.env.GATEHOUSE_API_KEY,
    GATEHOUSE_BASE_URL: process.env.GATEHOUSE_BASE_URL,
    XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME || undefined,
    HOME: process.env.HOME || homedir(),
  };
}
