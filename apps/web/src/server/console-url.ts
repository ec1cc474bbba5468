import "server-only";
import { headers } from "next/headers";
import { clientAddress } from "./client-address";

/** The client's address for the per-address limits of the account pages (as sign-in determines it). */
export async function requestSource(): Promise<string | null> {
  return clientAddress(await headers());
}
