"use client";

import { useState } from "react";
import { Button } from "@/components/button";

/** Delete, asked twice: the first click shows "Delete for good" beside "Keep"; only the second deletes. */
export function ConfirmDelete({ onDelete, pending }: { onDelete: () => void; pending: boolean }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <Button size="xs" variant="danger" onClick={() => setAsking(true)}>
        Delete
      </Button>
    );
  }
  return (
    <>
      <Button size="xs" variant="danger" onClick={onDelete} disabled={pending}>
        Delete for good
      </Button>
      <Button size="xs" variant="ghost" onClick={() => setAsking(false)}>
        Keep
      </Button>
    </>
  );
}
