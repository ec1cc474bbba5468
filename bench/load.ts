// Open-loop load at a fixed rate: requests are sent on schedule whether or not earlier ones finished,
// and latency is measured from the scheduled time (no coordinated omission). Prints one JSON line.
import { Agent, request } from "node:http";

const [url, rateArg, secondsArg, key, body] = process.argv.slice(2);
if (!url || !rateArg || !secondsArg || !key || !body) throw new Error("usage: load.ts <url> <rate/s> <seconds> <key> <json body>");
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const latencies: number[] = [];
let errors = 0;
let sent = 0;
const total = rate * seconds;
const start = performance.now();

// `__CALL__` in the body becomes the request's number, so calls differ as an agent's do (docs/loops.md).
function fire(scheduled: number): void {
  const payload = (body as string).replaceAll("__CALL__", String(sent));
  const req = request(
    {
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: "POST",
      agent,
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "content-length": Buffer.byteLength(payload) },
    },
    (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode !== 200) errors += 1;
        latencies.push(performance.now() - scheduled);
        if (latencies.length === total) finish();
      });
    },
  );
  req.on("error", () => {
    errors += 1;
    latencies.push(performance.now() - scheduled);
    if (latencies.length === total) finish();
  });
  req.end(payload);
}

function tick(): void {
  const now = performance.now();
  const due = Math.min(total, Math.floor(((now - start) / 1000) * rate));
  while (sent < due) {
    fire(start + (sent / rate) * 1000);
    sent += 1;
  }
  if (sent < total) setTimeout(tick, 1);
}

function finish(): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2));
  const elapsed = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ rate, seconds, sent: total, errors, achieved: Math.round(total / elapsed), p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) }));
  agent.destroy();
}

tick();
