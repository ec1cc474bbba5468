import type { PolicyPack } from "./types";

/**
 * Compliance packs: controls of a framework, each with the templates that address it. A pack is a
 * starting point for an auditor's conversation, not a claim of compliance: the controls also need
 * people, process and evidence that no policy set provides.
 */
export const POLICY_PACKS: readonly PolicyPack[] = [
  {
    id: "agentic-risks",
    title: "Agentic application risks (OWASP-style)",
    framework: "OWASP-style: our own wording, not the official OWASP list or its numbering",
    description:
      "The risks that come with agents that act through tools — misuse of those tools, more privilege than the task needs, data leaving, runaway loops and spend, high-impact actions nobody reviews, and agents that cannot be trusted yet — each with the templates that limit it.",
    controls: [
      {
        id: "tool-misuse",
        title: "Agents misuse legitimate tools: destructive or out-of-scope actions, whether by mistake or because injected text told them to",
        templates: ["destructive-ops", "code-assistant", "support-agent", "repository-admin"],
      },
      {
        id: "excessive-privilege",
        title: "Agents hold or gain more privilege than their task needs: secrets, access rights, sensitive data",
        templates: ["secrets-access", "repository-admin", "data-access", "agent-probation"],
      },
      {
        id: "data-exfiltration",
        title: "Sensitive or personal data leaves through an agent's reads, exports or messages",
        templates: ["data-access", "personal-data-exports", "outbound-messaging"],
      },
      {
        id: "runaway-behaviour",
        title: "Loops and cascades: an agent repeats an action, floods a channel or runs up costs faster than anyone notices",
        templates: ["outbound-messaging", "api-spend", "payments"],
      },
      {
        id: "unreviewed-high-impact",
        title: "High-impact, hard-to-undo actions go ahead without a person checking them",
        templates: ["payments", "production-deploys", "infrastructure-changes", "database-migrations", "after-hours"],
      },
      {
        id: "untrusted-agents",
        title: "A new or compromised agent behaves outside what it was deployed for",
        templates: ["agent-probation", "destructive-ops"],
      },
    ],
  },
  {
    id: "soc2-change-management",
    title: "SOC 2 change management (CC8.1)",
    framework: "AICPA SOC 2 Trust Services Criteria, CC8.1",
    description:
      "CC8.1: the entity authorizes, designs, develops or acquires, configures, documents, tests, approves and implements changes to infrastructure, data, software and procedures. These templates make agent-made changes wait for an authorized person, keep the protected baseline out of an agent's reach, and leave each approval in the audit log as evidence.",
    controls: [
      {
        id: "cc8.1-authorized-changes",
        title: "Changes to production software, infrastructure and data are approved by an authorized person before they are implemented",
        templates: ["production-deploys", "infrastructure-changes", "database-migrations", "code-assistant"],
      },
      {
        id: "cc8.1-protected-baseline",
        title: "The controls over change (branch protection, repository access, visibility) cannot be changed by the agents they govern",
        templates: ["repository-admin", "code-assistant"],
      },
      {
        id: "cc8.1-configuration-and-credentials",
        title: "Configuration changes and credential rotations are authorized, including outside normal working hours",
        templates: ["after-hours", "secrets-access"],
      },
      {
        id: "cc8.1-irreversible-changes",
        title: "Changes that destroy data or resources are not made by agents",
        templates: ["destructive-ops", "database-migrations", "infrastructure-changes"],
      },
    ],
  },
  {
    id: "eu-ai-act-art14",
    title: "EU AI Act Article 14: human oversight",
    framework: "Regulation (EU) 2024/1689 (AI Act), Article 14",
    description:
      "Article 14 asks that high-risk AI systems can be effectively overseen by people while in use: that they can monitor its operation, decide not to use or to override its output, and intervene or stop it, with oversight proportionate to the risk. These templates put a person in front of the actions where that matters and record what new agents would have done. They support the deployer's oversight measures; they do not by themselves make a system compliant.",
    controls: [
      {
        id: "art14-4a-monitor-operation",
        title: "Art. 14(4)(a): monitor the system's operation and detect anomalies and unexpected behaviour",
        templates: ["agent-probation", "outbound-messaging", "api-spend"],
      },
      {
        id: "art14-4d-decide-and-override",
        title: "Art. 14(4)(d): decide, in any particular situation, not to act on the system's output or to override it",
        templates: ["payments", "production-deploys", "personal-data-exports", "database-migrations", "infrastructure-changes", "after-hours", "support-agent"],
      },
      {
        id: "art14-4e-intervene",
        title: "Art. 14(4)(e): intervene in the operation or interrupt it; here, irreversible actions never run on an agent's say-so",
        templates: ["destructive-ops", "secrets-access"],
      },
      {
        id: "art14-3-proportionate-measures",
        title: "Art. 14(3): oversight measures commensurate with the risks and the level of autonomy",
        templates: ["data-access", "payments", "code-assistant", "repository-admin"],
      },
    ],
  },
  {
    id: "hipaa-phi",
    title: "HIPAA: protected health information in agents' calls",
    framework: "US HIPAA Privacy and Security Rules, 45 CFR 164.502(b), 164.312(a) and 164.312(e)",
    description:
      "The Privacy Rule's minimum necessary standard and the Security Rule's access control and transmission security, as they apply to agents: PHI reaches a model or a tool only as far as the task needs, health records only for the agents meant to read them, and PHI does not leave by email, messages, webhooks or exports an agent makes. The content rules redact or refuse what the detectors find; identifiers they cannot find (names, dates, free text) still need the covered entity's own safeguards.",
    controls: [
      {
        id: "164.502b-minimum-necessary",
        title: "§164.502(b): only the PHI a task needs reaches a model or a tool; identifiers are removed where the task can do without them",
        templates: ["healthcare-phi", "data-access"],
      },
      {
        id: "164.312a-access-control",
        title: "§164.312(a)(1): agents reach health records only when they are meant to, and new agents are watched first",
        templates: ["healthcare-phi", "data-access", "agent-probation"],
      },
      {
        id: "164.312e-transmission-security",
        title: "§164.312(e)(1): PHI does not leave by email, messaging, webhooks or exports an agent sends",
        templates: ["healthcare-phi", "outbound-messaging", "personal-data-exports"],
      },
    ],
  },
];
