// Floor for HTTP: a bare node:http server that parses a JSON body and echoes it back.
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 4900);
createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown) : {};
    const out = JSON.stringify({ ok: true, body });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
    res.end(out);
  });
}).listen(port, "127.0.0.1");
