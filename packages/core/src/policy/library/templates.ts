import type { PolicyTemplate } from "./types";

/** A template before its packs are filled in from the packs' controls. */
export type TemplateDefinition = Omit<PolicyTemplate, "packs">;

const NON_PRODUCTION = ["development", "staging", "preview"];
const PROBATION = { field: "agent.labels.stage", op: "eq", value: "probation" } as const;

/**
 * The library. Each template keeps to its own action types (or, for the probation template, to agents
 * labelled `stage=probation`), so any templates combine and every template's tests still pass.
 */
export const TEMPLATE_DEFINITIONS: readonly TemplateDefinition[] = [
  {
    id: "code-assistant",
    title: "Code assistant",
    summary: "A coding agent may read code, push feature branches and open pull requests; merges wait for a person; pushes to protected branches are refused.",
    rationale:
      "A code assistant that can push straight to the default branch can ship unreviewed code to everyone. This template lets it do the work that is reviewed later (branches, pull requests) and keeps the two steps that publish code, a merge and a push to a protected branch, with people. A push that does not name its branch is refused, since the branch cannot be checked. A token or key pasted into a pull request or a push is refused (content rule `secrets: deny`), so it reaches neither the repository nor the audit log.",
    policies: [
      {
        name: "code-assistant.allow-work",
        description: "Reading code and working on branches and pull requests; a secret in any of them is refused",
        actions: ["code.read", "code.search", "branch.push", "pr.create", "pr.comment"],
        effect: "allow",
        content: { secrets: "deny" },
      },
      {
        name: "code-assistant.merge-needs-approval",
        description: "A merge publishes code: one approval",
        actions: ["pr.merge"],
        effect: "require_approval",
      },
      {
        name: "code-assistant.deny-protected-push",
        description: "No push to main, master or release branches, nor a push that does not name its branch",
        actions: ["branch.push"],
        when: {
          any: [
            { field: "metadata.branch", op: "exists", value: false },
            { field: "metadata.branch", op: "matches", value: "^(main|master|release/.*)$" },
          ],
        },
        effect: "deny",
      },
    ],
    tests: [
      {
        name: "opening a pull request is allowed",
        request: { actionType: "pr.create", metadata: { repo: "web" } },
        expect: { effect: "allow", policy: "code-assistant.allow-work" },
      },
      {
        name: "pushing a feature branch is allowed",
        request: { actionType: "branch.push", metadata: { branch: "feature/login" } },
        expect: { effect: "allow", policy: "code-assistant.allow-work" },
      },
      {
        name: "a merge waits for approval",
        request: { actionType: "pr.merge", metadata: { pr: 42 } },
        expect: { effect: "require_approval", policy: "code-assistant.merge-needs-approval" },
      },
      {
        name: "pushing to main is refused",
        request: { actionType: "branch.push", metadata: { branch: "main" } },
        expect: { effect: "deny", policy: "code-assistant.deny-protected-push" },
      },
      { name: "a push that names no branch is refused", request: { actionType: "branch.push" }, expect: { effect: "deny", policy: "code-assistant.deny-protected-push" } },
      {
        name: "a pull request whose text carries a token is refused, and the token is not written",
        request: { actionType: "pr.create", metadata: { body: `CI needs GITHUB_TOKEN=ghp_${"A1b2".repeat(9)}` } },
        expect: { effect: "deny", policy: null, findings: [{ class: "secrets", path: "metadata.body", action: "denied" }] },
      },
      {
        name: "a branch merely named like main is not protected",
        request: { actionType: "branch.push", metadata: { branch: "main-menu-fix" } },
        expect: { effect: "allow", policy: "code-assistant.allow-work" },
      },
    ],
  },
  {
    id: "support-agent",
    title: "Support agent",
    summary: "Agents named support-* may read and answer tickets and look up customers; refunds over 50 wait for a person, over 500 are refused.",
    rationale:
      "A support agent talks to customers and can give money back, so a prompt-injected ticket could turn it into a refund machine. The template scopes it to agents named `support-*`, lets it answer and issue small refunds on its own, and puts a person in front of larger ones; a refund without a numeric `metadata.amount` is held, since its size cannot be checked. Customers' personal data (addresses, phone numbers, card numbers) found in its calls is redacted before anything is written (content rule `personalData: redact`).",
    policies: [
      {
        name: "support-agent.allow-tickets",
        description: "Tickets, customer look-ups and refunds, for support agents; customers' personal data is redacted before it is written",
        actions: ["ticket.read", "ticket.reply", "ticket.close", "customer.read", "refund.create"],
        agents: ["support-*"],
        effect: "allow",
        content: { personalData: "redact" },
      },
      {
        name: "support-agent.refund-needs-approval",
        description: "Refunds over 50, or of unknown size, wait for one approval",
        actions: ["refund.create"],
        agents: ["support-*"],
        when: { not: { field: "metadata.amount", op: "lte", value: 50 } },
        effect: "require_approval",
        approval: { quorum: 1, timeoutSeconds: 14400 },
      },
      {
        name: "support-agent.deny-large-refund",
        description: "Refunds over 500 are for a person to make",
        actions: ["refund.create"],
        agents: ["support-*"],
        when: { field: "metadata.amount", op: "gt", value: 500 },
        effect: "deny",
      },
    ],
    tests: [
      {
        name: "a support agent answers a ticket",
        request: { actionType: "ticket.reply", agent: "support-eu" },
        expect: { effect: "allow", policy: "support-agent.allow-tickets" },
      },
      {
        name: "a customer's email address in a reply is redacted before it is written",
        request: { actionType: "ticket.reply", agent: "support-eu", metadata: { to: "jane.doe@example.com" } },
        expect: { effect: "allow", policy: "support-agent.allow-tickets", findings: [{ class: "personalData", path: "metadata.to", action: "redacted" }] },
      },
      {
        name: "a refund of 25 goes through",
        request: { actionType: "refund.create", agent: "support-eu", metadata: { amount: 25 } },
        expect: { effect: "allow", policy: "support-agent.allow-tickets" },
      },
      {
        name: "a refund of exactly 50 goes through",
        request: { actionType: "refund.create", agent: "support-eu", metadata: { amount: 50 } },
        expect: { effect: "allow", policy: "support-agent.allow-tickets" },
      },
      {
        name: "a refund of 200 waits for approval",
        request: { actionType: "refund.create", agent: "support-eu", metadata: { amount: 200 } },
        expect: { effect: "require_approval", policy: "support-agent.refund-needs-approval" },
      },
      {
        name: "a refund with its amount as text is held",
        request: { actionType: "refund.create", agent: "support-eu", metadata: { amount: "20" } },
        expect: { effect: "require_approval", policy: "support-agent.refund-needs-approval" },
      },
      {
        name: "a refund of 900 is refused",
        request: { actionType: "refund.create", agent: "support-eu", metadata: { amount: 900 } },
        expect: { effect: "deny", policy: "support-agent.deny-large-refund" },
      },
      { name: "another agent cannot answer tickets", request: { actionType: "ticket.reply", agent: "code-bot" }, expect: { effect: "deny", policy: null } },
    ],
  },
  {
    id: "data-access",
    title: "Data access by sensitivity",
    summary: "Reads of public and internal data are allowed, confidential data waits for a person, restricted data is refused.",
    rationale:
      "An agent that can query any table can leak the most sensitive data as easily as the least. The rule follows the sensitivity the agent declares in `dataAccessed` (public, internal, confidential, restricted), so access is decided by what is read rather than by which tool reads it. One restricted item in a request is enough to refuse it.",
    policies: [
      { name: "data-access.allow", description: "Reads and queries, whatever their sensitivity allows", actions: ["data.read", "data.query"], effect: "allow" },
      {
        name: "data-access.confidential-needs-approval",
        description: "Confidential data waits for one approval",
        actions: ["data.read", "data.query"],
        when: { field: "dataAccessed.sensitivity", op: "eq", value: "confidential" },
        effect: "require_approval",
      },
      {
        name: "data-access.deny-restricted",
        description: "Restricted data is never read by an agent",
        actions: ["data.read", "data.query"],
        when: { field: "dataAccessed.sensitivity", op: "eq", value: "restricted" },
        effect: "deny",
      },
    ],
    tests: [
      {
        name: "internal data is readable",
        request: { actionType: "data.query", dataAccessed: [{ type: "orders", count: 120, sensitivity: "internal" }] },
        expect: { effect: "allow", policy: "data-access.allow" },
      },
      {
        name: "confidential data waits for approval",
        request: { actionType: "data.read", dataAccessed: [{ type: "salaries", sensitivity: "confidential" }] },
        expect: { effect: "require_approval", policy: "data-access.confidential-needs-approval" },
      },
      {
        name: "restricted data is refused",
        request: { actionType: "data.read", dataAccessed: [{ type: "health-records", sensitivity: "restricted" }] },
        expect: { effect: "deny", policy: "data-access.deny-restricted" },
      },
      {
        name: "one restricted item among public ones is enough to refuse",
        request: {
          actionType: "data.query",
          dataAccessed: [
            { type: "products", sensitivity: "public" },
            { type: "card-numbers", sensitivity: "restricted" },
          ],
        },
        expect: { effect: "deny", policy: "data-access.deny-restricted" },
      },
    ],
  },
  {
    id: "payments",
    title: "Payments with two approvers",
    summary: "Payments up to 100 go through; larger ones need two approvers (not the agent's owner); over 50,000 are refused.",
    rationale:
      "Moving money is irreversible and a favourite target of fraud, and one approver can be rushed or fooled. Payments above a small amount need two people, neither of them the agent's owner, and very large ones are refused so they take the finance team's own process. A payment without a numeric `metadata.amount` is held, since its size cannot be checked.",
    policies: [
      {
        name: "payments.allow-small",
        description: "Payments of at most 100",
        actions: ["payment.create", "payment.send"],
        when: { field: "metadata.amount", op: "lte", value: 100 },
        effect: "allow",
      },
      {
        name: "payments.two-approvers",
        description: "Payments over 100, or of unknown size, need two approvals, not by the agent's owner",
        actions: ["payment.create", "payment.send"],
        when: { not: { field: "metadata.amount", op: "lte", value: 100 } },
        effect: "require_approval",
        approval: { quorum: 2, timeoutSeconds: 86400, approverRoles: ["approver", "admin", "owner"], excludeAgentOwner: true },
      },
      {
        name: "payments.deny-over-cap",
        description: "Payments over 50,000 are made by people",
        actions: ["payment.create", "payment.send"],
        when: { field: "metadata.amount", op: "gt", value: 50000 },
        effect: "deny",
      },
    ],
    tests: [
      {
        name: "a payment of 40 goes through",
        request: { actionType: "payment.send", metadata: { amount: 40, currency: "EUR" } },
        expect: { effect: "allow", policy: "payments.allow-small" },
      },
      {
        name: "a payment of 5,000 needs two approvers",
        request: { actionType: "payment.send", metadata: { amount: 5000, currency: "EUR" } },
        expect: { effect: "require_approval", policy: "payments.two-approvers" },
      },
      {
        name: "a payment of 80,000 is refused",
        request: { actionType: "payment.create", metadata: { amount: 80000 } },
        expect: { effect: "deny", policy: "payments.deny-over-cap" },
      },
      {
        name: "a payment of exactly 100 goes through",
        request: { actionType: "payment.send", metadata: { amount: 100 } },
        expect: { effect: "allow", policy: "payments.allow-small" },
      },
      {
        name: "a payment without an amount is held",
        request: { actionType: "payment.send", metadata: { currency: "EUR" } },
        expect: { effect: "require_approval", policy: "payments.two-approvers" },
      },
    ],
  },
  {
    id: "destructive-ops",
    title: "Destructive operations denied",
    summary: "Deleting, dropping, destroying, truncating, wiping or purging anything is refused; archiving is allowed instead.",
    rationale:
      "A mistaken or manipulated agent does the most harm with the operations that cannot be undone. This template refuses them by the shape of the action type (`*.delete`, `*.drop`, …), whatever else allows them, and allows `*.archive` as the reversible alternative. A deny always wins over an allow, so an org whose agents must delete something narrows this policy's patterns rather than adding an allow.",
    policies: [
      {
        name: "destructive-ops.deny",
        description: "Irreversible operations are refused for every agent",
        actions: ["*.delete", "*.drop", "*.destroy", "*.truncate", "*.wipe", "*.purge"],
        effect: "deny",
      },
      { name: "destructive-ops.allow-archive", description: "Archiving, the reversible alternative", actions: ["*.archive"], effect: "allow" },
    ],
    tests: [
      { name: "archiving a project is allowed", request: { actionType: "project.archive" }, expect: { effect: "allow", policy: "destructive-ops.allow-archive" } },
      { name: "deleting a bucket is refused", request: { actionType: "bucket.delete", metadata: { bucket: "logs" } }, expect: { effect: "deny", policy: "destructive-ops.deny" } },
      { name: "dropping a table is refused", request: { actionType: "db.drop", metadata: { table: "users" } }, expect: { effect: "deny", policy: "destructive-ops.deny" } },
      {
        name: "an action that only contains 'delete' is not matched by this template",
        request: { actionType: "backup.delete-preview" },
        expect: { effect: "deny", policy: null },
      },
    ],
  },
  {
    id: "outbound-messaging",
    title: "Outbound messaging rate limits",
    summary: "Agents may send messages; more than 20 external messages an hour per agent, or 200 for the org, are refused, and so is any message to over 100 recipients.",
    rationale:
      "An agent in a loop, or one told to by injected text, can spam customers or partners in minutes and damage the sender's reputation. Rate conditions cap external messages per agent and for the whole org, and a message to more than 100 recipients is refused outright. Messages marked `metadata.audience: internal` are not counted; anything not marked internal is treated as external.",
    policies: [
      { name: "outbound-messaging.allow", description: "Sending messages", actions: ["message.send", "email.send", "sms.send"], effect: "allow" },
      {
        name: "outbound-messaging.bulk-denied",
        description: "No message to more than 100 recipients",
        actions: ["message.send", "email.send", "sms.send"],
        when: { field: "metadata.recipientCount", op: "gt", value: 100 },
        effect: "deny",
      },
      {
        name: "outbound-messaging.external-rate-limit",
        description: "External messages: at most 20 an hour per agent and 200 an hour for the org",
        actions: ["message.send", "email.send", "sms.send"],
        when: {
          all: [
            { not: { field: "metadata.audience", op: "eq", value: "internal" } },
            { any: [{ rate: { over: 20, windowSeconds: 3600, per: "agent" } }, { rate: { over: 200, windowSeconds: 3600, per: "org" } }] },
          ],
        },
        effect: "deny",
      },
    ],
    tests: [
      {
        name: "an internal message goes out",
        request: { actionType: "message.send", metadata: { audience: "internal", recipientCount: 3 } },
        expect: { effect: "allow", policy: "outbound-messaging.allow" },
      },
      {
        name: "an internal message to exactly 100 recipients goes out",
        request: { actionType: "email.send", metadata: { audience: "internal", recipientCount: 100 } },
        expect: { effect: "allow", policy: "outbound-messaging.allow" },
      },
      {
        name: "a message to 5,000 recipients is refused",
        request: { actionType: "email.send", metadata: { audience: "external", recipientCount: 5000 } },
        expect: { effect: "deny", policy: "outbound-messaging.bulk-denied" },
      },
    ],
  },
  {
    id: "production-deploys",
    title: "Production deploys need approval",
    summary: "Deploys to development, staging and preview go through; anything else (production, or no environment named) waits for a person.",
    rationale:
      "A bad deploy to production affects every customer at once, and agents deploy faster than anyone can watch. Deploys to non-production environments stay fast; every other deploy waits for one approval. The environment comes from `metadata.environment`, and a deploy that does not name one, or names one not on the list, is treated as production.",
    policies: [
      { name: "production-deploys.allow-non-production", actions: ["deploy.*"], when: { field: "metadata.environment", op: "in", value: NON_PRODUCTION }, effect: "allow" },
      {
        name: "production-deploys.require-approval",
        description: "Production, and any environment not known to be non-production",
        actions: ["deploy.*"],
        when: { not: { field: "metadata.environment", op: "in", value: NON_PRODUCTION } },
        effect: "require_approval",
        approval: { quorum: 1, timeoutSeconds: 3600, excludeAgentOwner: true },
      },
    ],
    tests: [
      {
        name: "a staging deploy goes through",
        request: { actionType: "deploy.service", metadata: { environment: "staging" } },
        expect: { effect: "allow", policy: "production-deploys.allow-non-production" },
      },
      {
        name: "a production deploy waits for approval",
        request: { actionType: "deploy.service", metadata: { environment: "production" } },
        expect: { effect: "require_approval", policy: "production-deploys.require-approval" },
      },
      {
        name: "a deploy naming no environment waits",
        request: { actionType: "deploy.frontend" },
        expect: { effect: "require_approval", policy: "production-deploys.require-approval" },
      },
      {
        name: "an environment spelled differently is not trusted",
        request: { actionType: "deploy.service", metadata: { environment: "Staging" } },
        expect: { effect: "require_approval", policy: "production-deploys.require-approval" },
      },
    ],
  },
  {
    id: "personal-data-exports",
    title: "Personal-data exports need approval",
    summary: "Exports are allowed, but an export containing personal data, or one that does not declare what it contains, waits for a person.",
    rationale:
      "Exports are how personal data leaves the systems that protect it, and a data protection regulator counts each one. Exports of declared non-personal data stay automatic; anything with a personal data type in `dataAccessed` or marked `metadata.containsPersonalData`, and any export that declares nothing, needs an approval, which leaves a record of who allowed it.",
    policies: [
      { name: "personal-data-exports.allow", description: "Exports of non-personal data", actions: ["*.export"], effect: "allow" },
      {
        name: "personal-data-exports.require-approval",
        description: "Personal data, or contents not declared",
        actions: ["*.export"],
        when: {
          any: [
            { field: "dataAccessed.type", op: "in", value: ["personal", "pii", "customer", "contact", "email", "phone", "address", "health", "payment-card"] },
            { field: "metadata.containsPersonalData", op: "eq", value: true },
            { field: "dataAccessed", op: "eq", value: [] },
          ],
        },
        effect: "require_approval",
        approval: { quorum: 1, timeoutSeconds: 86400 },
      },
    ],
    tests: [
      {
        name: "an export of metrics goes through",
        request: { actionType: "report.export", dataAccessed: [{ type: "metrics", count: 30, sensitivity: "internal" }] },
        expect: { effect: "allow", policy: "personal-data-exports.allow" },
      },
      {
        name: "an export of customer contacts waits for approval",
        request: { actionType: "crm.export", dataAccessed: [{ type: "contact", count: 5000, sensitivity: "confidential" }] },
        expect: { effect: "require_approval", policy: "personal-data-exports.require-approval" },
      },
      {
        name: "an export that declares nothing waits",
        request: { actionType: "report.export" },
        expect: { effect: "require_approval", policy: "personal-data-exports.require-approval" },
      },
      {
        name: "a flag on otherwise harmless data is enough",
        request: { actionType: "report.export", metadata: { containsPersonalData: true }, dataAccessed: [{ type: "metrics" }] },
        expect: { effect: "require_approval", policy: "personal-data-exports.require-approval" },
      },
    ],
  },
  {
    id: "after-hours",
    title: "After-hours changes need approval",
    summary: "Configuration changes and job runs go through from 08:00 to 17:59 local time; at other hours, or with no hour given, they wait for a person.",
    rationale:
      "Changes made at night or at weekends are the ones nobody is around to notice or undo. The condition language has no clock, by design (decisions must be reproducible), so the agent must send its local hour as `metadata.localHour` (0-23); a request without it, or with it as text, is held. Change the hours, or add `metadata.weekday`, to fit your team.",
    policies: [
      {
        name: "after-hours.allow-working-hours",
        actions: ["config.*", "job.run"],
        when: {
          all: [
            { field: "metadata.localHour", op: "gte", value: 8 },
            { field: "metadata.localHour", op: "lt", value: 18 },
          ],
        },
        effect: "allow",
      },
      {
        name: "after-hours.require-approval",
        description: "Outside 08:00-17:59, or when the agent does not say what hour it is",
        actions: ["config.*", "job.run"],
        when: {
          not: {
            all: [
              { field: "metadata.localHour", op: "gte", value: 8 },
              { field: "metadata.localHour", op: "lt", value: 18 },
            ],
          },
        },
        effect: "require_approval",
      },
    ],
    tests: [
      {
        name: "a change at 10:00 goes through",
        request: { actionType: "config.update", metadata: { localHour: 10 } },
        expect: { effect: "allow", policy: "after-hours.allow-working-hours" },
      },
      {
        name: "a job at 23:00 waits for approval",
        request: { actionType: "job.run", metadata: { localHour: 23 } },
        expect: { effect: "require_approval", policy: "after-hours.require-approval" },
      },
      {
        name: "08:00 is working hours",
        request: { actionType: "config.update", metadata: { localHour: 8 } },
        expect: { effect: "allow", policy: "after-hours.allow-working-hours" },
      },
      {
        name: "18:00 is after hours",
        request: { actionType: "config.update", metadata: { localHour: 18 } },
        expect: { effect: "require_approval", policy: "after-hours.require-approval" },
      },
      { name: "no hour given is held", request: { actionType: "config.update" }, expect: { effect: "require_approval", policy: "after-hours.require-approval" } },
      {
        name: "the hour as text is held",
        request: { actionType: "job.run", metadata: { localHour: "10" } },
        expect: { effect: "require_approval", policy: "after-hours.require-approval" },
      },
    ],
  },
  {
    id: "agent-probation",
    title: "New-agent probation",
    summary: "Agents labelled stage=probation may read, are refused high-risk actions, and a monitor-mode rule records which of their reads touch confidential data.",
    rationale:
      "A new agent has no track record, so it should start with less than an established one and be watched. Its high-risk actions are refused outright, while a monitor-mode rule records what it would have been held for without blocking it, so you can decide from evidence before enforcing. A monitor-mode policy never blocks, and an action that only monitor-mode policies match is allowed, so the monitor rule only covers reads the template itself allows. Remove the `stage=probation` label to end the probation.",
    policies: [
      { name: "agent-probation.allow-reads", description: "Probation agents may read and list", actions: ["*.read", "*.list"], when: PROBATION, effect: "allow" },
      {
        name: "agent-probation.deny-high-risk",
        description: "Probation agents never delete, pay, touch secrets or change access",
        actions: ["*.delete", "*.drop", "*.destroy", "payment.*", "secrets.*", "iam.*"],
        when: PROBATION,
        effect: "deny",
      },
      {
        name: "agent-probation.watch-sensitive-reads",
        description: "Trial: would hold probation agents' reads of confidential or restricted data",
        actions: ["*.read", "*.list"],
        when: { all: [PROBATION, { field: "dataAccessed.sensitivity", op: "in", value: ["confidential", "restricted"] }] },
        effect: "require_approval",
        mode: "monitor",
      },
    ],
    tests: [
      {
        name: "a probation agent reads tickets",
        request: { actionType: "ticket.read", agent: "new-bot", agentLabels: { stage: "probation" } },
        expect: { effect: "allow", policy: "agent-probation.allow-reads" },
      },
      {
        name: "a probation agent cannot delete",
        request: { actionType: "customer.delete", agent: "new-bot", agentLabels: { stage: "probation" } },
        expect: { effect: "deny", policy: "agent-probation.deny-high-risk" },
      },
      {
        name: "a probation agent cannot list secrets",
        request: { actionType: "secrets.list", agent: "new-bot", agentLabels: { stage: "probation" } },
        expect: { effect: "deny", policy: "agent-probation.deny-high-risk" },
      },
      {
        name: "a confidential read is only recorded, not held (monitor mode)",
        request: { actionType: "report.read", agent: "new-bot", agentLabels: { stage: "probation" }, dataAccessed: [{ type: "salaries", sensitivity: "confidential" }] },
        expect: { effect: "allow", policy: "agent-probation.allow-reads" },
      },
      {
        name: "an agent past probation gets nothing from this template",
        request: { actionType: "ticket.read", agent: "old-bot", agentLabels: { stage: "production" } },
        expect: { effect: "deny", policy: null },
      },
    ],
  },
  {
    id: "secrets-access",
    title: "Secrets access",
    summary: "Agents may list secret names; reading or rotating a secret waits for a person; exporting secrets is refused.",
    rationale:
      "A leaked credential outlives the task that needed it, and an agent that reads secrets can paste them anywhere. Listing names is harmless and allowed; each read or rotation of a value needs an approval, which records who released it; bulk export of secret values is refused. Prefer short-lived credentials issued to the agent over secrets it reads.",
    policies: [
      { name: "secrets-access.allow-list", description: "Secret names, not values", actions: ["secrets.list"], effect: "allow" },
      {
        name: "secrets-access.read-needs-approval",
        description: "Each read or rotation of a secret value waits for one approval by an admin or owner",
        actions: ["secrets.read", "secrets.rotate"],
        effect: "require_approval",
        approval: { quorum: 1, timeoutSeconds: 900, approverRoles: ["admin", "owner"] },
      },
      { name: "secrets-access.deny-export", description: "Secret values never leave in bulk", actions: ["secrets.export", "secrets.dump"], effect: "deny" },
    ],
    tests: [
      {
        name: "listing secret names is allowed",
        request: { actionType: "secrets.list", metadata: { path: "ci/" } },
        expect: { effect: "allow", policy: "secrets-access.allow-list" },
      },
      {
        name: "reading a secret waits for approval",
        request: { actionType: "secrets.read", metadata: { path: "ci/npm-token" } },
        expect: { effect: "require_approval", policy: "secrets-access.read-needs-approval" },
      },
      {
        name: "rotating a secret waits for approval",
        request: { actionType: "secrets.rotate", metadata: { path: "db/password" } },
        expect: { effect: "require_approval", policy: "secrets-access.read-needs-approval" },
      },
      { name: "exporting secrets is refused", request: { actionType: "secrets.export" }, expect: { effect: "deny", policy: "secrets-access.deny-export" } },
    ],
  },
  {
    id: "infrastructure-changes",
    title: "Infrastructure changes",
    summary: "Planning and describing infrastructure is allowed; applying a change waits for a person; an apply that destroys resources is refused.",
    rationale:
      "Infrastructure-as-code lets an agent reshape networks, permissions and databases in one call. A plan changes nothing and is allowed; every apply waits for an approval by someone who has read the plan; an apply whose plan destroys resources (the agent reports `metadata.resourcesDestroyed`) is refused, because a person should run it.",
    policies: [
      { name: "infrastructure-changes.allow-plan", description: "Read-only: plans and descriptions", actions: ["infra.plan", "infra.describe"], effect: "allow" },
      {
        name: "infrastructure-changes.apply-needs-approval",
        actions: ["infra.apply"],
        effect: "require_approval",
        approval: { quorum: 1, timeoutSeconds: 7200, excludeAgentOwner: true },
      },
      {
        name: "infrastructure-changes.deny-destroying-apply",
        description: "An apply that destroys resources is for a person to run",
        actions: ["infra.apply"],
        when: { field: "metadata.resourcesDestroyed", op: "gt", value: 0 },
        effect: "deny",
      },
    ],
    tests: [
      {
        name: "a plan is allowed",
        request: { actionType: "infra.plan", metadata: { stack: "network" } },
        expect: { effect: "allow", policy: "infrastructure-changes.allow-plan" },
      },
      {
        name: "an apply waits for approval",
        request: { actionType: "infra.apply", metadata: { stack: "network", resourcesDestroyed: 0 } },
        expect: { effect: "require_approval", policy: "infrastructure-changes.apply-needs-approval" },
      },
      {
        name: "an apply that destroys 3 resources is refused",
        request: { actionType: "infra.apply", metadata: { stack: "network", resourcesDestroyed: 3 } },
        expect: { effect: "deny", policy: "infrastructure-changes.deny-destroying-apply" },
      },
      {
        name: "an apply that does not report destruction still waits",
        request: { actionType: "infra.apply", metadata: { stack: "network" } },
        expect: { effect: "require_approval", policy: "infrastructure-changes.apply-needs-approval" },
      },
    ],
  },
  {
    id: "database-migrations",
    title: "Database migrations",
    summary: "Migrations run freely in development and staging; production (or an unnamed environment) waits for a person; destructive production migrations are refused.",
    rationale:
      "A schema migration can lock tables or lose data, and in production it cannot be rolled back cheaply. Migrations outside production stay automatic; in production they need an approval, and one the agent marks `metadata.destructive: true` (drops a column or table) is refused so that a person runs it with a backup at hand. A migration that names no environment is treated as production.",
    policies: [
      {
        name: "database-migrations.allow-non-production",
        actions: ["db.migrate"],
        when: { field: "metadata.environment", op: "in", value: ["development", "staging"] },
        effect: "allow",
      },
      {
        name: "database-migrations.production-needs-approval",
        actions: ["db.migrate"],
        when: { not: { field: "metadata.environment", op: "in", value: ["development", "staging"] } },
        effect: "require_approval",
        approval: { quorum: 1, timeoutSeconds: 3600, excludeAgentOwner: true },
      },
      {
        name: "database-migrations.deny-destructive-production",
        actions: ["db.migrate"],
        when: {
          all: [{ not: { field: "metadata.environment", op: "in", value: ["development", "staging"] } }, { field: "metadata.destructive", op: "eq", value: true }],
        },
        effect: "deny",
      },
    ],
    tests: [
      {
        name: "a staging migration runs",
        request: { actionType: "db.migrate", metadata: { environment: "staging" } },
        expect: { effect: "allow", policy: "database-migrations.allow-non-production" },
      },
      {
        name: "a production migration waits for approval",
        request: { actionType: "db.migrate", metadata: { environment: "production", destructive: false } },
        expect: { effect: "require_approval", policy: "database-migrations.production-needs-approval" },
      },
      {
        name: "a destructive production migration is refused",
        request: { actionType: "db.migrate", metadata: { environment: "production", destructive: true } },
        expect: { effect: "deny", policy: "database-migrations.deny-destructive-production" },
      },
      {
        name: "a destructive migration in staging runs",
        request: { actionType: "db.migrate", metadata: { environment: "staging", destructive: true } },
        expect: { effect: "allow", policy: "database-migrations.allow-non-production" },
      },
      {
        name: "a migration naming no environment is held as production",
        request: { actionType: "db.migrate" },
        expect: { effect: "require_approval", policy: "database-migrations.production-needs-approval" },
      },
    ],
  },
  {
    id: "api-spend",
    title: "External API spend caps",
    summary: "Calls to paid APIs costing up to 1 (in the org's currency) go through; up to 50 wait for a person; above 50, or with a cost given as text, are refused.",
    rationale:
      "Paid APIs (models, data vendors, cloud services) bill per call, and an agent in a loop can spend a month's budget in an hour. The agent sends its estimated cost as `metadata.estimatedCost`; cheap calls stay automatic, expensive ones need an approval, and very expensive ones are refused. A call that gives no estimate is held; rate conditions count calls, not money, so a running budget is out of reach of a policy.",
    policies: [
      { name: "api-spend.allow-cheap", actions: ["external-api.call"], when: { field: "metadata.estimatedCost", op: "lte", value: 1 }, effect: "allow" },
      {
        name: "api-spend.require-approval",
        description: "Calls over 1, or with no estimate",
        actions: ["external-api.call"],
        when: {
          any: [
            { field: "metadata.estimatedCost", op: "exists", value: false },
            { field: "metadata.estimatedCost", op: "gt", value: 1 },
          ],
        },
        effect: "require_approval",
      },
      { name: "api-spend.deny-over-cap", actions: ["external-api.call"], when: { field: "metadata.estimatedCost", op: "gt", value: 50 }, effect: "deny" },
    ],
    tests: [
      {
        name: "a call costing 0.02 goes through",
        request: { actionType: "external-api.call", metadata: { vendor: "maps", estimatedCost: 0.02 } },
        expect: { effect: "allow", policy: "api-spend.allow-cheap" },
      },
      {
        name: "a call costing 12 waits for approval",
        request: { actionType: "external-api.call", metadata: { estimatedCost: 12 } },
        expect: { effect: "require_approval", policy: "api-spend.require-approval" },
      },
      {
        name: "a call costing 400 is refused",
        request: { actionType: "external-api.call", metadata: { estimatedCost: 400 } },
        expect: { effect: "deny", policy: "api-spend.deny-over-cap" },
      },
      {
        name: "a call without an estimate is held",
        request: { actionType: "external-api.call", metadata: { vendor: "maps" } },
        expect: { effect: "require_approval", policy: "api-spend.require-approval" },
      },
      {
        name: "a cost given as text matches nothing and is refused",
        request: { actionType: "external-api.call", metadata: { estimatedCost: "0.5" } },
        expect: { effect: "deny", policy: null },
      },
    ],
  },
  {
    id: "repository-admin",
    title: "Repository administration",
    summary:
      "Reading repository settings is allowed; changing settings, collaborators or webhooks waits for a person; changing branch protection or visibility, transfers and admin grants are refused.",
    rationale:
      "Repository settings guard everything else: an agent that can lift branch protection, make a repository public or add itself as admin can undo every other control. Reads are allowed; ordinary settings changes need an approval by an admin or owner; the changes that remove protection or expose code are refused, for people to make.",
    policies: [
      { name: "repository-admin.allow-read", actions: ["repo.settings.read", "repo.collaborator.list", "repo.webhook.list"], effect: "allow" },
      {
        name: "repository-admin.changes-need-approval",
        actions: ["repo.settings.update", "repo.collaborator.add", "repo.collaborator.remove", "repo.webhook.create", "repo.webhook.update"],
        effect: "require_approval",
        approval: { quorum: 1, timeoutSeconds: 3600, approverRoles: ["admin", "owner"] },
      },
      {
        name: "repository-admin.deny-protection-changes",
        description: "Branch protection, visibility and ownership are for people",
        actions: ["repo.branch-protection.*", "repo.visibility.*", "repo.transfer"],
        effect: "deny",
      },
      {
        name: "repository-admin.deny-admin-grants",
        description: "No agent makes anyone a repository admin",
        actions: ["repo.collaborator.add", "repo.collaborator.update"],
        when: { field: "metadata.permission", op: "in", value: ["admin", "maintain"] },
        effect: "deny",
      },
    ],
    tests: [
      {
        name: "reading settings is allowed",
        request: { actionType: "repo.settings.read", metadata: { repo: "api" } },
        expect: { effect: "allow", policy: "repository-admin.allow-read" },
      },
      {
        name: "adding a writer waits for approval",
        request: { actionType: "repo.collaborator.add", metadata: { repo: "api", user: "sam", permission: "write" } },
        expect: { effect: "require_approval", policy: "repository-admin.changes-need-approval" },
      },
      {
        name: "lifting branch protection is refused",
        request: { actionType: "repo.branch-protection.update", metadata: { repo: "api", branch: "main" } },
        expect: { effect: "deny", policy: "repository-admin.deny-protection-changes" },
      },
      {
        name: "granting admin is refused, though adding a collaborator only waits",
        request: { actionType: "repo.collaborator.add", metadata: { repo: "api", user: "sam", permission: "admin" } },
        expect: { effect: "deny", policy: "repository-admin.deny-admin-grants" },
      },
    ],
  },
  {
    id: "healthcare-phi",
    title: "Healthcare agents and protected health information",
    summary:
      "Agents named care-* may call models and tools and read health records, with personal data (patients' record and Medicare numbers, providers' NPI and DEA numbers, diagnosis codes, contact details) redacted first; email and webhook calls that carry any of it are refused.",
    rationale:
      "A care agent reads charts to do its work, and everything it reads can end up in a prompt to a model provider or in a message to someone outside. This template redacts personal data, the health identifiers included (docs/content-detectors.md), from care agents' model calls, tool calls and record reads before they leave the agent's process or reach the log (content rule `personalData: redact`), which keeps to the minimum necessary without stopping the work. Email and webhook calls are where PHI leaves for good, so there it is refused outright (`personalData: deny`), and the strictest rule wins where both match. Allowing `tool.*` is the template's starting point: add deny policies for the tools a care agent must not use.",
    policies: [
      {
        name: "healthcare-phi.redact-phi",
        description: "Care agents' model calls, tool calls and record reads: personal data, PHI included, redacted before it leaves or is written",
        actions: ["llm.*", "tool.*", "ehr.*"],
        agents: ["care-*"],
        effect: "allow",
        content: { personalData: "redact", secrets: "redact" },
      },
      {
        name: "healthcare-phi.deny-phi-outbound",
        description: "Email and webhooks from care agents: a call carrying personal data or a secret is refused",
        actions: ["email.send", "webhook.send", "tool.*email*", "tool.*webhook*"],
        agents: ["care-*"],
        effect: "allow",
        content: { personalData: "deny", secrets: "deny" },
      },
    ],
    tests: [
      {
        name: "a care agent's model call goes through with the patient's MRN redacted",
        request: { actionType: "llm.openai.gpt-4o", agent: "care-intake", metadata: { prompt: "Summarize the admission of MRN: 00123456" } },
        expect: {
          effect: "allow",
          policy: "healthcare-phi.redact-phi",
          findings: [{ detector: "us_medical_record_number", class: "personalData", path: "metadata.prompt", action: "redacted" }],
        },
      },
      {
        name: "a tool call's diagnosis code is redacted",
        request: { actionType: "tool.lookup_patient", agent: "care-intake", metadata: { query: "follow-ups for diagnosis E11.9 this week" } },
        expect: { effect: "allow", policy: "healthcare-phi.redact-phi", findings: [{ detector: "icd10_code", class: "personalData", path: "metadata.query", action: "redacted" }] },
      },
      {
        name: "an email carrying an MRN is refused, and the MRN is not written",
        request: { actionType: "email.send", agent: "care-intake", metadata: { body: "Lab results for MRN 00123456 attached" } },
        expect: { effect: "deny", policy: null, findings: [{ detector: "us_medical_record_number", class: "personalData", path: "metadata.body", action: "denied" }] },
      },
      {
        name: "a webhook tool carrying a Medicare number is refused",
        request: { actionType: "tool.post_webhook", agent: "care-billing", metadata: { payload: "claim for Medicare MBI 1EG4-TE5-MK73" } },
        expect: { effect: "deny", policy: null, findings: [{ detector: "us_mbi", class: "personalData", path: "metadata.payload", action: "denied" }] },
      },
      {
        name: "an email tool call with no personal data goes out",
        request: { actionType: "tool.send_email", agent: "care-intake", metadata: { subject: "Clinic hours over the holidays" } },
        expect: { effect: "allow" },
      },
      { name: "another agent cannot read health records", request: { actionType: "ehr.read", agent: "code-bot" }, expect: { effect: "deny", policy: null } },
    ],
  },
];
