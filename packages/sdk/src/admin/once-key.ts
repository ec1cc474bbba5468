/**
 * The `Idempotency-Key` header of a call whose repeat would make a second object (an agent, a key, an
 * invitation): one key per call, the same on every retry of it, so the server answers the object it
 * made the first time.
 */
export function onceKey(): { "idempotency-key": string } {
  return { "idempotency-key": globalThis.crypto.randomUUID() };
}
