// The event replays of `npm run bench:fairness`, in a process of their own so that reading the streams
// does not slow the process that times the other org's decisions: READERS readers of GET /v1/events
// from Last-Event-ID 0 (keys taken in turn), half fast (read as fast as they can, start over once they
// have the replay's last event, LAST_SEQ) and half slow (a chunk every 100 ms), for SECONDS.
// Prints the answers by status, and finished replays as "replayed", as one JSON line.
// Usage: tsx bench/event-readers.ts <api> <seconds> <readers> <lastSeq> <key>...
const [api, seconds, readers, lastSeqText, ...keys] = process.argv.slice(2);
if (!api || !seconds || !readers || !lastSeqText || keys.length === 0) throw new Error("usage: tsx bench/event-readers.ts <api> <seconds> <readers> <lastSeq> <key>...");
const until = Date.now() + Number(seconds) * 1000;
const lastSeq = Number(lastSeqText);
const statuses: Record<string, number> = {};
const count = (status: number | string) => void (statuses[status] = (statuses[status] ?? 0) + 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The sequence number of the last `id: ` line in a chunk of the stream, or -1 (ids never split across chunks often enough to matter: the next chunk has more). */
function lastId(text: string): number {
  const at = text.lastIndexOf("\nid: ");
  if (at < 0) return -1;
  const end = text.indexOf("\n", at + 5);
  return end < 0 ? -1 : Number(text.slice(at + 5, end));
}

async function reader(key: string, fast: boolean): Promise<void> {
  const decoder = new TextDecoder();
  while (Date.now() < until) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(0, until - Date.now()));
    try {
      const response = await fetch(`${api}/v1/events`, { headers: { authorization: `Bearer ${key}`, "last-event-id": "0" }, signal: abort.signal });
      count(response.status);
      if (response.status !== 200 || !response.body) {
        await response.arrayBuffer();
        await sleep(1_000); // Retry-After
        continue;
      }
      const body = response.body.getReader();
      for (;;) {
        const { done, value } = await body.read();
        if (done) break;
        if (fast && lastId(decoder.decode(value)) >= lastSeq) {
          count("replayed");
          break;
        }
        if (!fast) await sleep(100);
      }
      abort.abort();
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

await Promise.all(Array.from({ length: Number(readers) }, (_, i) => reader(keys[i % keys.length] as string, i % 2 === 0)));
console.log(JSON.stringify(statuses));
