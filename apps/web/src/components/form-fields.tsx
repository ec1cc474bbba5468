import type { ReactNode } from "react";

// Form pieces the account pages share. Errors come from the server action's state: one message for
// the form, and one per field named by the service's 400 (the field names are the service's).

export interface FormState {
  error: string | null;
  fields: Record<string, string>;
  values: Record<string, string>;
  notice?: string | null;
}

export const emptyFormState: FormState = { error: null, fields: {}, values: {} };

/** The look of a plain text input in the console's inline forms (agents, keys, onboarding). */
export const INPUT_CLASS = "block w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-sm shadow-xs focus:border-stone-500 focus:outline-none";

export function FormAlert({ children, tone = "error" }: { children: ReactNode; tone?: "error" | "info" }) {
  const colours = tone === "error" ? "border-red-200 bg-red-50 text-red-800" : "border-emerald-200 bg-emerald-50 text-emerald-900";
  return (
    <p role={tone === "error" ? "alert" : "status"} className={`rounded-md border px-3 py-2 text-sm ${colours}`}>
      {children}
    </p>
  );
}

export function TextField(props: {
  name: string;
  label: string;
  type?: string;
  autoComplete?: string;
  defaultValue?: string;
  error?: string | undefined;
  hint?: string;
  maxLength?: number;
}) {
  const { name, label, type = "text", autoComplete, defaultValue, error, hint, maxLength } = props;
  const described = error ? `${name}-error` : hint ? `${name}-hint` : undefined;
  return (
    <div className="space-y-1.5">
      <label htmlFor={name} className="block text-sm font-medium text-stone-700">
        {label}
      </label>
      <input
        id={name}
        name={name}
        type={type}
        autoComplete={autoComplete}
        defaultValue={defaultValue}
        maxLength={maxLength}
        required
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        className={`block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-xs focus:border-stone-500 focus:outline-none ${error ? "border-red-400" : "border-stone-300"}`}
      />
      {error ? (
        <p id={`${name}-error`} className="text-xs text-red-700">
          {label} {error}
        </p>
      ) : hint ? (
        <p id={`${name}-hint`} className="text-xs text-stone-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function SubmitButton({ pending, children, pendingText }: { pending: boolean; children: ReactNode; pendingText: string }) {
  return (
    <button
      type="submit"
      disabled={pending}
      className="w-full rounded-md bg-stone-900 px-3 py-2 text-sm font-medium text-white hover:bg-stone-800 disabled:cursor-wait disabled:opacity-70"
    >
      {pending ? pendingText : children}
    </button>
  );
}
