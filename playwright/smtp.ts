import { mkdir, rename, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";

/** One received message as the tests read it from the mail folder (playwright/mail.ts). */
export interface ReceivedMail {
  to: string[];
  receivedAt: string;
  /** The message as the server received it: headers, a blank line, the (possibly quoted-printable) body. */
  raw: string;
}

/**
 * A real SMTP server for the journeys, listening on 127.0.0.1: the console and the API send their
 * mail to it (SMTP_URL), and it writes each message it accepts to `mailDir` as one JSON file
 * (ReceivedMail), which the tests' workers read.
 */
export async function startSmtpServer(mailDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  await mkdir(mailDir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        count += 1;
        const mail: ReceivedMail = {
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          receivedAt: new Date().toISOString(),
          raw: Buffer.concat(chunks).toString("utf8"),
        };
        // Written under a temporary name and renamed into place: a reader polling the folder (playwright/mail.ts)
        // sees a whole message or none, never one half written.
        const file = join(mailDir, `${String(count).padStart(6, "0")}.json`);
        writeFile(`${file}.partial`, JSON.stringify(mail))
          .then(() => rename(`${file}.partial`, file))
          .then(
            () => callback(),
            (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
          );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
