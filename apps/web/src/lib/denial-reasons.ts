// Denial reasons as the console shows them: the code, and what it means from packages/core's one table
// (DENIAL_REASONS). Core's root module is server-only (it hashes with node:crypto), so the org layout
// reads the table on the server and hands its texts to the browser (DenialTextsProvider); nothing here
// lists a reason of its own, and a code this console was not handed (a newer server's) reads as itself.

/** Each known reason's text, finishing "Denied: …". */
export type DenialTexts = Readonly<Record<string, string>>;

/** The texts of core's table (`DENIAL_REASONS`), as the layout hands them over. */
export function denialTextsFrom(table: Readonly<Record<string, { readonly text: string }>>): DenialTexts {
  return Object.fromEntries(Object.entries(table).map(([code, { text }]) => [code, text]));
}

/** What a reason means, or null for a code the table does not have. */
export function denialText(code: string, texts: DenialTexts): string | null {
  return Object.hasOwn(texts, code) ? (texts[code] ?? null) : null;
}

/** "CONTENT_DENIED: it carries a secret or …"; an unknown code alone. */
export function denialLine(code: string, texts: DenialTexts): string {
  const text = denialText(code, texts);
  return text ? `${code}: ${text}` : code;
}
