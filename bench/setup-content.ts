// Creates the content benchmark's two orgs in DATABASE_URL, each with one agent and the same allow-all
// policy: `screened` keeps the default content rules (secrets redacted, personal data flagged), `off`
// looks for nothing (content { secrets: off, personalData: off }). Prints { screened, off } agent keys.
import { closeSignals, disconnectDb, updateOrgSettings } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";

const allow = [{ name: "allow-all", actions: ["*"], effect: "allow" }];
const screened = await createTestOrg({ label: "bench-content-screened", policies: allow });
const off = await createTestOrg({ label: "bench-content-off", policies: allow });
await updateOrgSettings({ ctx: off.ctx, input: { content: { secrets: "off", personalData: "off" } } });
console.log(JSON.stringify({ screened: screened.agent.apiKey, off: off.agent.apiKey }));
await disconnectDb();
await closeSignals();
