"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ApiError } from "@/lib/api-client";

// 4xx answers (signed out, not a member, bad query) will not change by asking again.
const retry = (failureCount: number, error: unknown) => failureCount < 2 && !(error instanceof ApiError && error.status < 500);

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: true, retry } },
      }),
  );
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
