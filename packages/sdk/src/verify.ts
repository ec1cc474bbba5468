/**
 * `@gatehouse/sdk/verify`: checks an audit bundle (`audit.export()`, `gatehouse audit export`)
 * offline, with public specs and public keys only: no network, no account. It hashes with
 * node:crypto and `verifyBundleParallel` uses worker threads, so this entry needs Node (or a
 * runtime with its node: modules); the main entry does not.
 */
export {
  checkpointNoteSize,
  describeUnsigned,
  describeQuorum,
  parseTlogProof,
  parseVerifierKey,
  parseWitnessPolicy,
  PolicyError,
  quorumMet,
  TLOG_PROOF_HEADER,
  verifyBundle,
  verifyBundleParallel,
  verifyTlogProof,
  type BundleOptions,
  type BundleReport,
  type BundleSource,
  type NoteVerifier,
  type ParallelBundleOptions,
  type TlogProof,
  type TlogProofOptions,
  type TlogProofReport,
  type UnsignedEntries,
  type WitnessPolicy,
} from "@gatehouse/tlog";
