"use client";

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { Annotation, Compartment, EditorState } from "@codemirror/state";
import { EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { jsonSchema } from "codemirror-json-schema";
import { yamlSchema } from "codemirror-json-schema/yaml";
import { useEffect, useRef } from "react";
import type { SourceIssue } from "@/lib/policies";
import type { SourceFormat } from "@/lib/policy-source";

// The draft's code editor: CodeMirror 6 over the source, YAML or JSON, with completion, hover docs and
// checks from the policy set's JSON Schema (codemirror-json-schema), and the server's issues (the
// engine's own parse, with the line of each field) as lint diagnostics at their lines. The issues are
// set when a check of the text as it is arrives; between the two, CodeMirror carries the markers along
// with the edits, so a marker never sits on a line a stale check named.

/** The server's issues as diagnostics on their lines (issues without a line are listed beside the editor only). */
function issueDiagnostics(view: EditorView, issues: readonly SourceIssue[]): Diagnostic[] {
  const { doc } = view.state;
  return issues.flatMap((issue) => {
    if (issue.line === undefined || issue.line > doc.lines) return [];
    const line = doc.line(issue.line);
    return [{ from: line.from, to: line.to, severity: "error" as const, source: "gatehouse", message: `${issue.path}: ${issue.message}` }];
  });
}

/** Marks a replacement pushed in from outside, which must not echo back as the author's edit. */
const external = Annotation.define<boolean>();

const theme = EditorView.theme({
  "&": { fontSize: "13px", height: "100%" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
  ".cm-gutters": { backgroundColor: "#fafaf9", borderRight: "1px solid #e7e5e4" },
});

export function CodeEditor({
  value,
  format,
  schema,
  issues,
  readOnly = false,
  onChange,
}: {
  value: string;
  format: SourceFormat;
  schema: Record<string, unknown> | undefined;
  /** The issues of a check of `value` as it is; null while that check is under way (the markers stay, moved with the edits). */
  issues: readonly SourceIssue[] | null;
  readOnly?: boolean;
  onChange: (value: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  const language = useRef(new Compartment());
  const editable = useRef(new Compartment());
  onChangeRef.current = onChange;

  // Created once; the value, language, schema and issues are pushed in by the effects below.
  useEffect(() => {
    if (!host.current) return;
    const created = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          history(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          autocompletion(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
          lintGutter(),
          language.current.of([]),
          editable.current.of(EditorState.readOnly.of(readOnly)),
          theme,
          EditorView.contentAttributes.of({ "aria-label": "Policy source", "data-testid": "policy-source" }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.transactions.some((tr) => tr.annotation(external))) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
    // the editor is created once; later values arrive through the effects below
  }, []);

  useEffect(() => {
    const current = view.current;
    if (!current) return;
    const json = schema as Parameters<typeof jsonSchema>[0];
    current.dispatch({ effects: language.current.reconfigure(format === "json" ? jsonSchema(json) : yamlSchema(json)) });
  }, [format, schema]);

  useEffect(() => {
    view.current?.dispatch({ effects: editable.current.reconfigure(EditorState.readOnly.of(readOnly)) });
  }, [readOnly]);

  // A change from outside (the form, "Add test", the library, a reload) replaces the text.
  useEffect(() => {
    const current = view.current;
    if (!current) return;
    const text = current.state.doc.toString();
    if (text !== value) current.dispatch({ changes: { from: 0, to: text.length, insert: value }, annotations: external.of(true) });
  }, [value]);

  // After the text effect above: the issues name lines of the text the view now holds.
  useEffect(() => {
    const current = view.current;
    if (!current || issues === null) return;
    current.dispatch(setDiagnostics(current.state, issueDiagnostics(current, issues)));
  }, [issues]);

  return <div ref={host} className="h-[32rem] overflow-hidden rounded-lg border border-stone-300 bg-white" />;
}
