/**
 * An identifier (`deploy.payments`, `approval.decided`, `tool.read_file`) cut into the pieces a line may break
 * between: after each `.`, `_`, `/`, `:` or `-`, never inside a word (issue 44: the audit table showed
 * `deploy.payment s`). Joined, the pieces are the identifier.
 */
export function identifierBreaks(text: string): string[] {
  return text.split(/(?<=[._/:-])/);
}
