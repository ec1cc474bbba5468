/** The standalone content scan (`POST /v1/scan`; docs/content.md in the repository, "Standalone scan"). */
import { GatehouseError } from "./errors.ts";
import { request, type TransportConfig } from "./request.ts";
import type { RequestOptions, ScanInput, ScanResult } from "./types.ts";

/**
 * Scans `input.text` or `input.json` (exactly one) for secrets and personal data with Gatehouse's
 * detectors: the findings' detector, class and path, never the value; nothing is stored. Rejects with
 * `GatehouseError` (`INVALID_OPTION`) before any request when both or neither are given.
 */
export async function scanContent(config: TransportConfig, input: ScanInput, options: RequestOptions = {}): Promise<ScanResult> {
  // The type allows exactly one; a caller without types may still send both or neither.
  const given: { text?: unknown; json?: unknown } = input;
  const hasText = given.text !== undefined;
  if (hasText === (given.json !== undefined)) {
    throw new GatehouseError(`Invalid option: scan takes text or json, exactly one of the two (${hasText ? "both were given" : "neither was given"})`, { code: "INVALID_OPTION" });
  }
  return request<ScanResult>(config, { method: "POST", path: "/v1/scan", body: hasText ? { text: given.text } : { json: given.json }, signal: options.signal });
}
