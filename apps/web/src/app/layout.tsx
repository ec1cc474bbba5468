import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "./providers";
// Inter (SIL Open Font License 1.1), bundled from the npm package: no request leaves the server for it.
import "@fontsource-variable/inter";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Gatehouse", template: "%s · Gatehouse" },
  description: "Governance console for AI agents",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-dvh font-sans">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
