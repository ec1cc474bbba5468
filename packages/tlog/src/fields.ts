/**
 * Erasable fields (docs/adr/0023-erasure.md). An entry of the second format (`"v":2` in its canonical
 * text) does not hold the fields that may carry personal or secret data: it holds, under `sealed`, one
 * digest per field, and the values travel beside the entry. A bundle's entry line carries each field
 * that still exists as its RFC 8785 text and salt, and each erased one as the erasure's seq:
 *
 *   {"type":"entry", …, "fields": {"metadata": {"canonical": "{…}", "salt": "9f…"}},
 *                       "erased": {"dataAccessed": {"seq": 1204}}}
 *
 * digest = hex SHA-256 of the UTF-8 bytes of  "gatehouse:field:v1\n" + name + "\n" + salt + "\n" + canonical
 *
 * The salt (16 random bytes, hex) keeps a digest from being guessed from the value; the name binds a
 * value to its field. An erased field proves nothing about what it held, only that it was committed to
 * when the entry was sealed: the erasure entry at `seq` says who erased it, when and why.
 */

/** The text whose SHA-256 is a field's digest. */
export function fieldDigestInput(name: string, salt: string, canonical: string): string {
  return `gatehouse:field:v1\n${name}\n${salt}\n${canonical}`;
}

/**
 * The problem with an entry's fields, or null when they hold: for a second-format entry every sealed
 * field has either its value (whose digest matches) or an erasure, and the line carries no field the
 * entry did not seal; a first-format entry carries no fields. Self-contained (only `sha256Hex` from
 * outside) so the parallel verifier's workers embed it as the sequential verifier runs it.
 */
export function sealedFieldsProblem(seq: number, canonical: string, fields: unknown, erased: unknown, sha256Hex: (text: string) => string): string | null {
  const second = canonical.endsWith(',"v":2}');
  if (!second) return fields === undefined && erased === undefined ? null : `entry ${seq}: it carries fields, but its format seals none`;
  let sealed: unknown;
  try {
    sealed = (JSON.parse(canonical) as { sealed?: unknown }).sealed;
  } catch {
    return `entry ${seq}: its canonical text is not JSON`;
  }
  if (sealed === null || typeof sealed !== "object" || Array.isArray(sealed)) return `entry ${seq}: a second-format entry seals its fields under "sealed"`;
  const present = (fields ?? {}) as Record<string, unknown>;
  const gone = (erased ?? {}) as Record<string, unknown>;
  if (typeof present !== "object" || present === null || Array.isArray(present)) return `entry ${seq}: its "fields" is an object`;
  if (typeof gone !== "object" || gone === null || Array.isArray(gone)) return `entry ${seq}: its "erased" is an object`;
  const digests = sealed as Record<string, unknown>;
  for (const name of Object.keys(present)) if (!Object.hasOwn(digests, name)) return `entry ${seq}: field ${name} was not sealed with the entry`;
  for (const name of Object.keys(gone)) if (!Object.hasOwn(digests, name)) return `entry ${seq}: erased field ${name} was not sealed with the entry`;
  for (const name of Object.keys(digests)) {
    const value = present[name] as { canonical?: unknown; salt?: unknown } | undefined;
    const erasure = gone[name] as { seq?: unknown } | undefined;
    if (value !== undefined && erasure !== undefined) return `entry ${seq}: field ${name} is both present and erased`;
    if (value !== undefined) {
      if (typeof value !== "object" || value === null || typeof value.canonical !== "string" || typeof value.salt !== "string") {
        return `entry ${seq}: field ${name} has its canonical text and salt`;
      }
      // fieldDigestInput, inline: the parallel verifier's workers embed this function's text alone.
      if (sha256Hex(`gatehouse:field:v1\n${name}\n${value.salt}\n${value.canonical}`) !== digests[name]) {
        return `entry ${seq}: field ${name} does not match the digest sealed with the entry (its value was changed or put back)`;
      }
    } else if (erasure !== undefined) {
      if (typeof erasure !== "object" || erasure === null || typeof erasure.seq !== "number" || !Number.isSafeInteger(erasure.seq) || erasure.seq <= seq) {
        return `entry ${seq}: erased field ${name} names the erasure entry after it (its seq)`;
      }
    } else return `entry ${seq}: field ${name} has neither its value nor an erasure`;
  }
  return null;
}
