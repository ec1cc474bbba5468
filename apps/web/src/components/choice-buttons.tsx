"use client";

import { buttonClass } from "@/components/button";

/** A row of toggle buttons choosing one value (days of a chart, of a replay): `aria-pressed` marks the chosen one. */
export function ChoiceButtons<T extends string | number>({
  label,
  options,
  value,
  onChange,
  render,
}: {
  label: string;
  options: readonly T[];
  value: T;
  onChange: (value: T) => void;
  render: (value: T) => string;
}) {
  return (
    <div role="group" aria-label={label} className="flex gap-1">
      {options.map((option) => (
        <button
          key={option}
          type="button"
          aria-pressed={value === option}
          onClick={() => onChange(option)}
          className={buttonClass({ size: "xs", variant: value === option ? "primary" : "secondary" })}
        >
          {render(option)}
        </button>
      ))}
    </div>
  );
}
