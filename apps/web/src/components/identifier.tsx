import { Fragment } from "react";
import { identifierBreaks } from "@/lib/identifier-breaks";

/** An identifier that wraps only after its separators (`<wbr>`), never mid-word; copied, it is the identifier. */
export function Identifier({ text }: { text: string }) {
  return (
    <>
      {identifierBreaks(text).map((piece, i) => (
        <Fragment key={i}>
          {i > 0 ? <wbr /> : null}
          {piece}
        </Fragment>
      ))}
    </>
  );
}
