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
 * The development outbox, newest first, or null when the instance sends mail over SMTP (the console
 * then answers 404 for /dev/outbox). Messages written while no SMTP server was configured stay
 * unreadable once one is.
 */
export async function listDevOutbox({ input = {} }: { input?: { limit?: number } } = {}): Promise<OutboxMessage[] | null> {
  if (mailMode() === "smtp") return null;
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 50), 1), 200);
  return db().devOutboxMessage.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: { id: true, to: true, subject: true, text: true, createdAt: true },
  });
}
