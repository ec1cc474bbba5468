/**
 * Proof of an email domain (ADR 0012): an org routes a domain to itself only after it published a DNS
 * TXT record `_gatehouse-challenge.<domain>` whose value is `gatehouse-domain-verification=<token>`,
 * the token being the org's own for that domain. Public mail domains can never be routed: their
 * people are not one organization's.
 */
export const DOMAIN_CHALLENGE_PREFIX = "_gatehouse-challenge";
export const DOMAIN_CHALLENGE_VALUE_PREFIX = "gatehouse-domain-verification=";

/** The TXT record an org publishes to prove `domain`, with its claim's token. */
export function domainChallengeRecord(domain: string, token: string): { name: string; value: string } {
  return { name: `${DOMAIN_CHALLENGE_PREFIX}.${domain}`, value: `${DOMAIN_CHALLENGE_VALUE_PREFIX}${token}` };
}

/**
 * Whether the TXT answer (each record a list of strings, as DNS splits long values into 255-byte
 * chunks) holds exactly the expected value.
 */
export function txtRecordsProve(records: ReadonlyArray<ReadonlyArray<string>>, expectedValue: string): boolean {
  return records.some((chunks) => chunks.join("").trim() === expectedValue);
}

/**
 * Mail services whose addresses belong to the public: nobody may route them (nor a subdomain of them).
 * Not exhaustive — DNS proof is the rule that holds for every other one — but it answers the common
 * mistake with a clear refusal instead of a TXT record nobody can publish.
 */
export const PUBLIC_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  "gmail.com",
  "googlemail.com",
  "outlook.com",
  "outlook.de",
  "outlook.fr",
  "hotmail.com",
  "hotmail.co.uk",
  "hotmail.fr",
  "hotmail.de",
  "live.com",
  "msn.com",
  "yahoo.com",
  "yahoo.co.uk",
  "yahoo.fr",
  "yahoo.de",
  "ymail.com",
  "rocketmail.com",
  "icloud.com",
  "me.com",
  "mac.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "pm.me",
  "tutanota.com",
  "tuta.io",
  "gmx.com",
  "gmx.de",
  "gmx.net",
  "web.de",
  "mail.com",
  "zoho.com",
  "fastmail.com",
  "hey.com",
  "yandex.com",
  "yandex.ru",
  "mail.ru",
  "qq.com",
  "163.com",
  "126.com",
  "naver.com",
  "hushmail.com",
  "laposte.net",
  "orange.fr",
  "free.fr",
  "t-online.de",
  "comcast.net",
  "verizon.net",
  "att.net",
]);

/** Whether `domain` (lower case) is a public mail domain or a subdomain of one. */
export function isPublicMailDomain(domain: string): boolean {
  const labels = domain.split(".");
  for (let i = 0; i < labels.length - 1; i += 1) {
    if (PUBLIC_MAIL_DOMAINS.has(labels.slice(i).join("."))) return true;
  }
  return false;
}
