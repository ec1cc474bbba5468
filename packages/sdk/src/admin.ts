import { resolveConfig, type ClientInternals, type ClientOptions } from "./config.ts";
import { request, type TransportConfig } from "./request.ts";
import type { ApplyPoliciesOptions, PolicyDocument, PolicySetDiff, RequestOptions, StoredPolicyList, WhoAmI } from "./types.ts";

/** Options of {@link GatehouseAdmin}. `apiKey` is an org admin key, `gh_admin_…`. */
export type GatehouseAdminOptions = ClientOptions;

/** The org's policy set. */
export interface AdminPolicies {
  /** The active policies, each with its version, content hash and version id, in name order. */
  list(options?: RequestOptions): Promise<StoredPolicyList>;
  /**
   * Makes `policies` the org's active set: new names are created, changed ones get a new version,
   * active ones missing from the set are archived, identical ones stay as they are. With `dryRun`,
   * only the diff. Declarative, so safe to retry and to repeat. A set the server rejects throws
   * `BadRequestError` whose `details.issues` lists `{ path, message }` per problem.
   */
  apply(policies: readonly PolicyDocument[], options?: ApplyPoliciesOptions): Promise<PolicySetDiff>;
}

/**
 * A client of the Gatehouse admin API for scripts and the CLI, with an org admin key. What the
 * key may do follows its member's role. Same options, retries and errors as {@link Gatehouse}.
 */
export class GatehouseAdmin {
  readonly #config: TransportConfig;
  readonly policies: AdminPolicies;

  constructor(options: GatehouseAdminOptions, internals: ClientInternals = {}) {
    this.#config = resolveConfig(options, internals, {
      prefix: "gh_admin_",
      example: 'new GatehouseAdmin({ apiKey: "gh_admin_…" })',
      description: "org admin keys",
    });
    const config = this.#config;
    this.policies = {
      list: (options = {}) => request<StoredPolicyList>(config, { method: "GET", path: "/v1/admin/policies", signal: options.signal }),
      apply: (policies, options = {}) =>
        request<PolicySetDiff>(config, {
          method: "PUT",
          path: options.dryRun === true ? "/v1/admin/policies?dryRun=true" : "/v1/admin/policies",
          body: { policies },
          headers: { "idempotency-key": globalThis.crypto.randomUUID() },
          signal: options.signal,
        }),
    };
  }

  /** The organization, member and key behind this client's API key. */
  whoami(options: RequestOptions = {}): Promise<WhoAmI> {
    return request<WhoAmI>(this.#config, { method: "GET", path: "/v1/whoami", signal: options.signal });
  }
}
