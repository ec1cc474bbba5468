import type { Metadata } from "next";
import { CreateOrgPage } from "@/app/signup/org/create-org-page";

export const metadata: Metadata = { title: "New organization" };
export const dynamic = "force-dynamic";

/** Another org, from the org switcher's "New organization…" (the same page as /signup/org). */
export default function NewOrgPage() {
  return <CreateOrgPage />;
}
