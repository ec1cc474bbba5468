/**
 * The part of the transparency-log primitives that runs anywhere: no node: module, no Buffer.
 * Hashing and signature checks go through WebCrypto, so they are asynchronous.
 */
export * from "./bytes";
export * from "./checkpoint";
export * from "./note";
export * from "./proof-steps";
export * from "./webcrypto";
export * from "./canonical-json";
