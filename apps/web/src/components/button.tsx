import type { ComponentPropsWithRef } from "react";

// The console's one button system: a few sizes and variants, used by every page instead of ad-hoc
// classes. `buttonClass` styles a link (a download, a navigation) as a button of the same system.

export type ButtonSize = "xs" | "sm" | "md";
export type ButtonVariant = "primary" | "secondary" | "approve" | "danger" | "warning" | "ghost" | "link";

const BASE = "inline-flex items-center justify-center gap-2 rounded-md font-medium whitespace-nowrap disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:opacity-60";

const SIZES: Record<ButtonSize, string> = {
  xs: "px-2 py-1 text-xs",
  sm: "px-3 py-1.5 text-sm",
  md: "px-4 py-2 text-sm",
};

const VARIANTS: Record<ButtonVariant, string> = {
  primary: "bg-stone-900 text-white hover:bg-stone-800",
  secondary: "border border-stone-300 bg-white text-stone-800 shadow-xs hover:bg-stone-50",
  approve: "bg-emerald-700 text-white hover:bg-emerald-800",
  danger: "bg-red-700 text-white hover:bg-red-800",
  warning: "bg-amber-700 text-white hover:bg-amber-800",
  ghost: "text-stone-600 hover:bg-stone-100 hover:text-stone-900",
  link: "text-stone-600 underline hover:text-stone-900",
};

/** A link variant has no box: its size only sets the text. */
const LINK_SIZES: Record<ButtonSize, string> = { xs: "text-xs", sm: "text-sm", md: "text-sm" };

export function buttonClass({ size = "sm", variant = "secondary", className }: { size?: ButtonSize; variant?: ButtonVariant; className?: string } = {}): string {
  const sized = variant === "link" ? `inline-flex items-center gap-1 font-medium ${LINK_SIZES[size]}` : `${BASE} ${SIZES[size]}`;
  return [sized, VARIANTS[variant], className].filter(Boolean).join(" ");
}

export interface ButtonProps extends ComponentPropsWithRef<"button"> {
  size?: ButtonSize;
  variant?: ButtonVariant;
}

export function Button({ size, variant, className, type = "button", ...props }: ButtonProps) {
  return <button type={type} className={buttonClass({ size, variant, className })} {...props} />;
}

export interface ButtonLinkProps extends ComponentPropsWithRef<"a"> {
  size?: ButtonSize;
  variant?: ButtonVariant;
}

/** An `<a>` that looks like a Button (a download, an external page). */
export function ButtonLink({ size, variant, className, ...props }: ButtonLinkProps) {
  return <a className={buttonClass({ size, variant, className })} {...props} />;
}
