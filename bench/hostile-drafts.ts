// The hostile-drafts load, shared by `npm run bench:parsers` and `npm run bench:fairness`: one sender
// cycles, without pause, through every source bomb on PUT /v1/admin/policies/draft, every set bomb on
// POST /v1/admin/policies/test, and a legal but heavy draft (seconds of parsing and testing) saved and
// published — the bombs are apps/api/test/parser-bombs.ts's, the ones the tests send.
import { heavyLegalSource, SET_BOMBS, SOURCE_BOMBS } from "../apps/api/test/parser-bombs";

const post = (api: string, method: string, path: string, key: string, body: string) =>
  fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }).then(async (r) => ({
    status: r.status,
    text: await r.text(),
  }));

/** One hostile sender with an org admin key: bombs and heavy publishes, back to back, until `stop.done`; counts answers by status. */
export async function sendHostileDrafts(api: string, adminKey: string, stop: { done: boolean }, statuses: Record<string, number>): Promise<void> {
  const heavy = heavyLegalSource();
  for (let i = 0; !stop.done; i += 1) {
    const source = SOURCE_BOMBS[i % SOURCE_BOMBS.length] as (typeof SOURCE_BOMBS)[number];
    const set = SET_BOMBS[i % SET_BOMBS.length] as (typeof SET_BOMBS)[number];
    const answers = await Promise.all([
      post(api, "PUT", "/v1/admin/policies/draft", adminKey, JSON.stringify({ source: source.source, format: source.format, revision: 0 })),
      post(api, "POST", "/v1/admin/policies/test", adminKey, set.text),
      (async () => {
        // The heavy legal draft: saved (over whatever revision is stored) and published, so the pool parses and tests it.
        const current = await fetch(`${api}/v1/admin/policies/draft`, { headers: { authorization: `Bearer ${adminKey}` } });
        const draft = (await current.json()) as { revision?: number };
        const saved = await post(api, "PUT", "/v1/admin/policies/draft", adminKey, JSON.stringify({ source: heavy, format: "yaml", revision: draft.revision ?? 0 }));
        const revision = (JSON.parse(saved.text) as { revision?: number }).revision ?? 0;
        return post(api, "POST", "/v1/admin/policies/draft/publish", adminKey, JSON.stringify({ revision }));
      })(),
    ]);
    for (const answer of answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  }
}
