import type { FastifyReply } from "fastify";

/**
 * Runs `wait` with a signal that aborts when the client goes away, so a parked wait is released at
 * once. The listener is removed when the wait ends: aborting after every answered wait would cost
 * an AbortError (with its stack) per response.
 */
export async function untilClientLeaves<T>(reply: FastifyReply, wait: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  reply.raw.once("close", abort);
  try {
    return await wait(controller.signal);
  } finally {
    reply.raw.off("close", abort);
  }
}
