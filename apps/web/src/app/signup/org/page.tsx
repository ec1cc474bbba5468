import type { Metadata } from "next";
import { CreateOrgPage } from "./create-org-page";

export const metadata: Metadata = { title: "Create your organization" };
export const dynamic = "force-dynamic";

/** After sign-up: the first org (the same page as /orgs/new). */
export default function SignupOrgPage() {
  return <CreateOrgPage />;
}
