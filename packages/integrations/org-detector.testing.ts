/**
 * For the adapters' "what the model reads" tests: an org's own content detector (docs/content-detectors.md)
 * added through the real admin API, and a value only it finds (no built-in detector knows an internal
 * ticket key), so a test shows the tool-result screen runs the org's detectors and not only the table.
 */
export const ORG_DETECTOR = { name: "acme_ticket_key", class: "secrets", pattern: "ACME-TKT-[0-9]{4}-[A-Z]{2}", keywords: ["acme-tkt-"] } as const;

/** A value the org's detector finds and the built-in table does not. */
export const ORG_SECRET = "ACME-TKT-8842-QZ";

/** What the model reads in place of {@link ORG_SECRET}: the detector's placeholder. */
export const ORG_PLACEHOLDER = /\[secret:acme_ticket_key#[0-9a-f]{8}\]/;

/** Adds {@link ORG_DETECTOR} to the org of `adminKey` (`POST /v1/content/detectors`); throws unless the API made it. */
export async function addOrgDetector(apiUrl: string, adminKey: string): Promise<void> {
  const added = await fetch(`${apiUrl}/v1/content/detectors`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify(ORG_DETECTOR),
  });
  if (added.status !== 201) throw new Error(`the org's detector was not added: ${added.status} ${await added.text()}`);
}
