// An agent's script, as a user would write it from the console's snippet: one gate() with the key in
// GATEHOUSE_API_KEY against GATEHOUSE_BASE_URL. It prints "requested <approvalId>" while it waits,
// then "<status> <auditEventId>", and exits 0 only when the action went ahead (a denial throws: 1).
// Run by acceptance.spec.ts: node --import tsx playwright/agent-script.ts <actionType>
import { Gatehouse } from "../packages/sdk/src/index.ts";

const apiKey = process.env.GATEHOUSE_API_KEY;
const baseUrl = process.env.GATEHOUSE_BASE_URL;
const actionType = process.argv[2];
if (!apiKey || !baseUrl || !actionType) throw new Error("usage: GATEHOUSE_API_KEY=… GATEHOUSE_BASE_URL=… agent-script.ts <actionType>");

const gatehouse = new Gatehouse({ apiKey, baseUrl });
const result = await gatehouse.gate(actionType, { metadata: { service: "web" }, onRequested: (requested) => console.log(`requested ${requested.approvalId ?? ""}`) });
console.log(`${result.status} ${result.auditEventId}`);
process.exitCode = result.status === "executed" ? 0 : 1;
