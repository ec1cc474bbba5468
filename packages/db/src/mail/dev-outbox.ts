import { db } from "../infra/client";
import { mailMode } from "./send-mail";

export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: Date;
}

/**
 * The development outbox, newest first, or null unless mail goes to it (an instance started for
 * development by `npm start`, GATEHOUSE_DEVELOPMENT=1, without SMTP_URL; the console then answers 404
 * for /dev/outbox). Messages written there stay unreadable once the instance runs any other way.
 */
export async function listDevOutbox({ input = {} }: { input?: { limit?: number } } = {}): Promise<OutboxMessage[] | null> {
  if (mailMode() !== "outbox") return null;
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 50), 1), 200);
  return db().devOutboxMessage.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: { id: true, to: true, subject: true, text: true, createdAt: true },
  });
}
