/**
 * The secret formats detectors.ts scans for: one rule per provider key format, written from the
 * provider's documented prefix and length (or, where a provider documents no prefix, its key's shape
 * beside a keyword that names the provider), then the structural secrets (private key blocks, JWTs,
 * passwords in connection strings, credentials on curl command lines, Kubernetes Secret data) and last
 * the generic high-entropy rule. docs/content-detectors.md ("Coverage against open-source secret
 * scanners") maps the table to gitleaks' default rules (MIT), from which the later additions were written.
 *
 * Every pattern is linear-time by construction (content-detectors.test.ts checks the sources): no
 * quantified group holds a quantifier, no backreference, lookarounds hold no quantifier, and every
 * run is bounded except a final one. Tokens are fenced by lookarounds on the characters a token
 * could continue with, so a match never starts or ends inside a longer run (and a dense run of
 * prefixes cannot make each start rescan the text after it).
 */

/** One secret format, as detectors.ts takes it (it adds `class: "secrets"`). See `Detector`. */
export interface SecretRule {
  id: string;
  description: string;
  keywords: readonly string[];
  pattern: RegExp;
  group?: number;
  validate?: (value: string) => boolean;
}

const rx = (source: string, flags = "g") => new RegExp(source, flags);

/** A token starts where no token character stands before it. */
const BEFORE = String.raw`(?<![\w-])`;
/** …and ends where none follows. */
const AFTER = String.raw`(?![\w-])`;
/** The same fences for base64 tokens, whose alphabet adds `+`, `/` and `=`. */
const BEFORE_B64 = String.raw`(?<![\w+/=-])`;
const AFTER_B64 = String.raw`(?![\w+/=-])`;

/** A prefixed token: `body` fenced on both sides. Case-sensitive, as the providers issue them. */
const token = (body: string) => rx(`${BEFORE}${body}${AFTER}`);

/**
 * What stands between a keyword and its value in config and code: the rest of the name
 * (`_SECRET_KEY`), an optional closing quote, an operator (`=`, `:`, `:=`, `=>`) and an optional
 * opening quote: `DATADOG_API_KEY=…`, `"datadogKey": "…"`, `datadog.key: …`. A name that ends in
 * `id` (`token_id`, `apiKeyId`) names an identifier, not a secret.
 */
const ASSIGN = String.raw`[\w.-]{0,32}(?<![Ii][Dd])["'\x60]?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}["'\x60]?`;

/**
 * A value named by a keyword (case-insensitive) and an assignment: for providers whose keys have no
 * prefix of their own. The value is group 1; `keywords` is a regex alternation of lowercase literals.
 */
const near = (keywords: string, value: string, after = AFTER) => rx(`(?:${keywords})${ASSIGN}(${value})${after}`, "gi");

/** The token fence after a value whose alphabet adds `=` to the token characters. */
const AFTER_EQ = String.raw`(?![\w=-])`;

/**
 * A key of no format of its own, named by its provider: `value` assigned to a name with one of
 * `names` (near), and not a mask or a run of repeated characters (notLowEntropy).
 */
const named = (id: string, description: string, keywords: readonly string[], names: string, value: string, after = AFTER): SecretRule => ({
  id,
  description,
  keywords,
  pattern: near(names, value, after),
  group: 1,
  validate: notLowEntropy,
});

/** Upper and lower case letters and a digit: every random key of 40 base64 characters has all three (a miss is 1 in 10^3). */
const mixedCase = (value: string) => /[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9+/]/.test(value);

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

// Every validator is a named function: the Python SDK's twin of this table (scripts/content-python.ts)
// names each by its `name`, and has a function of its own for each name.

/** Not AWS's documentation example of an access key id (AKIAIOSFODNN7EXAMPLE). */
function notAwsExampleKeyId(value: string): boolean {
  return !value.endsWith("EXAMPLE");
}

/** Mixed case and a digit, and not AWS's documentation example of a secret access key (…EXAMPLEKEY). */
function awsSecretAccessKeyValid(value: string): boolean {
  return mixedCase(value) && !value.endsWith("EXAMPLEKEY");
}

// ── Placeholders ────────────────────────────────────────────────────────────────────────────────

/**
 * A value that stands for a password rather than being one: masks (`****`, `xxxx`, `...`), template
 * and environment references (`${DB_PASSWORD}`, `{{ password }}`, `<password>`, `$PASSWORD`,
 * `%PASSWORD%`, `{password}`).
 */
export function isPlaceholder(value: string): boolean {
  if (/^(?:\*{1,256}|x{3,256}|X{3,256}|\.{2,256}|…)$/.test(value)) return true;
  const first = value[0];
  const last = value[value.length - 1];
  if ((first === "<" && last === ">") || (first === "{" && last === "}") || (first === "%" && last === "%")) return true;
  if (value.startsWith("${") || value.startsWith("{{")) return true;
  return /^\$[A-Za-z_][A-Za-z0-9_]{0,255}$/.test(value);
}

const notPlaceholder = (value: string) => !isPlaceholder(value);

/**
 * What documentation and examples write where a password goes, and the two sample passwords of
 * Microsoft's NuGet.config reference: compared with the value lower-cased (ASCII letters only).
 */
const PLACEHOLDER_PASSWORDS = ["password", "passwd", "secret", "changeit", "changeme", "example", "placeholder", "33f!!lloppa", "hal+9ooo_da!sy"];

/**
 * A password written in a command, a config file or code (curl -u, NuGet.config, `password = "…"`):
 * not a placeholder (isPlaceholder), not a shell expansion or a bracketed stand-in (a first `$`, `[` or
 * `(`: `$PASS`, `$(cat pw.txt)`, `[PASSWORD]`), not one of PLACEHOLDER_PASSWORDS, and holding two
 * kinds of character of lower case, upper case, digits and the rest: a lone word written in a
 * password's place (`pass`, `test`, `token`, `yyy`) holds one. Punctuation that ends it (prose's
 * `curl -u user:password, then…`) is left out of the last two tests.
 */
function passwordValid(value: string): boolean {
  if (isPlaceholder(value) || /^[$[(]/.test(value)) return false;
  const body = value.replace(/[.,;:!?)]+$/, "");
  if (PLACEHOLDER_PASSWORDS.includes(body.replace(/[A-Z]/g, (letter) => letter.toLowerCase()))) return false;
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((kind) => kind.test(body)).length >= 2;
}

/**
 * An HTTP header's credential: not a placeholder (isPlaceholder: `XXXX`, `<token>`, `{{token}}`) and
 * holding a digit, which a word written in its place (`Negotiate`, `your-api-token`) does not.
 */
function headerCredentialValid(value: string): boolean {
  return !isPlaceholder(value) && /[0-9]/.test(value);
}

// ── The generic rule ────────────────────────────────────────────────────────────────────────────

/** Shannon entropy of `value` in bits per character, over its characters' frequencies. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** The shortest token the generic rule considers. */
export const HIGH_ENTROPY_MIN_LENGTH = 20;
/** Bits per character a hex token needs (detect-secrets' hex limit; random hex of 20+ characters averages 3.4 and more). */
export const HEX_ENTROPY_THRESHOLD = 3.0;
/** Bits per character a base64 or base64url token needs (random base64 of 20 characters averages 4.0, of 40: 4.9). */
export const BASE64_ENTROPY_THRESHOLD = 3.75;

/**
 * The base64 forms of file signatures (PNG, JPEG, GIF, WebP, PDF, ZIP, gzip): a token that begins
 * with one is an encoded file, not a key.
 */
const FILE_SIGNATURES = ["iVBORw0KGgo", "/9j/", "R0lGOD", "UklGR", "JVBERi0", "UEsDB", "H4sI"];

/**
 * The generic rule's test of a token (the rule is stated in docs/content-detectors.md): at least 20
 * characters; trailing `=` padding aside, all from one alphabet — hex, base64 (`+/`) or base64url
 * (`-_`); not the base64 of a file, not a path (a leading `/`); then hex needs a digit, a letter
 * and ≥ 3.0 bits per character; base64 and base64url need an upper-case letter, a lower-case letter,
 * a digit and ≥ 3.75 bits per character. Identifiers (`user-settings-page`, `SOME_CONSTANT`) and
 * UUIDs lack a letter case; words lack digits.
 */
export function isHighEntropyToken(value: string): boolean {
  const body = value.replace(/={1,2}$/, "");
  if (body.length < HIGH_ENTROPY_MIN_LENGTH || body.includes("=") || body.startsWith("/")) return false;
  if (FILE_SIGNATURES.some((signature) => body.startsWith(signature))) return false;
  const digit = /[0-9]/.test(body);
  if (/^[0-9a-fA-F]+$/.test(body)) return digit && /[a-fA-F]/.test(body) && shannonEntropy(body) >= HEX_ENTROPY_THRESHOLD;
  if (!/^[A-Za-z0-9+/]+$/.test(body) && !/^[A-Za-z0-9_-]+$/.test(body)) return false;
  return digit && /[A-Z]/.test(body) && /[a-z]/.test(body) && shannonEntropy(body) >= BASE64_ENTROPY_THRESHOLD;
}

/**
 * At least 2.5 bits per character (shannonEntropy): the value is not a mask (`xxxx…`, `0000…`) nor a
 * few characters repeated in runs (`aaaa1111bbbb2222…`). Random keys sit well above it (24 hex average
 * 3.5 bits, 15 lowercase alphanumerics 3.5): of the shortest here, fewer than 1 in 5,000 fall below.
 */
function notLowEntropy(value: string): boolean {
  return shannonEntropy(value) >= 2.5;
}

/** Words that, in a key name or just before a token, say a secret follows. */
export const SECRET_HINTS = ["secret", "token", "password", "passwd", "pwd", "credential", "auth", "key"];
/** Key names that hold one of the hints but name no secret: public keys, idempotency and cache keys, counts and limits of tokens. */
export const NOT_SECRET_KEYS = ["public", "idempoten", "cache", "sort", "partition", "primary", "foreign", "dedup", "count", "limit", "max", "usage"];
/** …and names of something about a secret rather than the secret: its id, name, type or address. */
export const NOT_SECRET_SUFFIX = /(?:id|ids|name|type|url|uri)$/;
/** `author` (a word that holds `auth`), but not `authoriz…` (`authorization` is a hint): taken out of a key before the hints are looked for. */
export const NOT_AUTH_WORD = /author(?!iz)/g;

/**
 * Whether a JSON key names a secret, so the generic rule looks at every token of its value: the key,
 * lowercased with everything but letters and digits dropped (`api-key`, `API_KEY` and `apiKey` are
 * all `apikey`) and `author` taken out (`authorization` stays), contains a hint, none of
 * NOT_SECRET_KEYS, and does not end in id, ids, name, type, url or uri.
 */
export function keyNamesSecret(key: string): boolean {
  const name = key
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .replace(NOT_AUTH_WORD, "");
  return SECRET_HINTS.some((hint) => name.includes(hint)) && !NOT_SECRET_KEYS.some((word) => name.includes(word)) && !NOT_SECRET_SUFFIX.test(name);
}

/** Every token of a value whose key names a secret (no text hint needed): a run of the base64/base64url/hex alphabets. */
export const KEY_HINTED_TOKEN = rx(String.raw`(?<![\w+/=-])[\w+/-][\w+/=-]{19,}`);

const HIGH_ENTROPY_SECRET: SecretRule = {
  id: "high_entropy_secret",
  description:
    "A token of ≥ 20 base64/base64url/hex characters with high Shannon entropy (hex ≥ 3.0, base64 ≥ 3.75 bits per character) after a name that says secret, token, password, key, auth or credential, or under such a JSON key.",
  keywords: ["key", "secret", "token", "passw", "pwd", "credential", "auth"],
  // `auth` but not `author` (`authorization` is a hint).
  pattern: rx(String.raw`(?:key|secret|token|passw(?:or)?d|pwd|credential|auth(?!or(?!iz)))${ASSIGN}([\w+/-][\w+/=-]{19,})`, "gi"),
  group: 1,
  validate: isHighEntropyToken,
};

// ── Connection strings ──────────────────────────────────────────────────────────────────────────

/**
 * `scheme://user:password@host`: the password (group 1) is what is secret. The user may be empty
 * (`redis://:password@host`); the password runs to the `@` and may hold `:` (RFC 3986 userinfo).
 */
const urlPassword = (scheme: string) => rx(String.raw`(?<![A-Za-z0-9+.-])(?:${scheme})://[^\s:/?#@"'<>]{0,128}:([^\s/?#@"'<>]{1,256})@[\w.[-]`, "gi");

/** `shown` is the scheme as the description writes it; `scheme` the pattern that matches it. */
const connection = (id: string, name: string, shown: string, scheme: string, keywords: readonly string[]): SecretRule => ({
  id,
  description: `The password in a ${name} URL (${shown}://user:password@host); placeholders such as \${…} and **** are not findings.`,
  keywords,
  pattern: urlPassword(scheme),
  group: 1,
  validate: notPlaceholder,
});

// ── Private keys and JWTs ───────────────────────────────────────────────────────────────────────

/** Any armour label that ends in PRIVATE KEY: RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP (… BLOCK), none, … */
const PEM_LABEL = String.raw`[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?`;

/** The JSON header of a JWT: the first part decodes (base64url) to an object with a string `alg`. */
export function isJwt(value: string): boolean {
  const header = value.slice(0, value.indexOf("."));
  try {
    const base64 = header.replace(/-/g, "+").replace(/_/g, "/");
    const parsed: unknown = JSON.parse(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)));
    return typeof parsed === "object" && parsed !== null && typeof (parsed as { alg?: unknown }).alg === "string";
  } catch {
    return false;
  }
}

/**
 * A JWT encoded once more in base64 (standard alphabet): it decodes to the three base64url parts of a
 * JWT (the jwt rule's shape) whose header passes isJwt.
 */
export function isBase64Jwt(value: string): boolean {
  let decoded: string;
  try {
    decoded = atob(value);
  } catch {
    return false;
  }
  return /^eyJ[\w-]{10,4096}\.[\w-]{2,16384}\.[\w-]*$/.test(decoded) && isJwt(decoded);
}

// ── Structures: command lines and manifests ─────────────────────────────────────────────────────

/**
 * The first value under `data:` in a Kubernetes manifest: `data:` at the end of its line, the next line
 * an indented key, then the value on the same line or, after a block indicator (`|`, `>`), on the line
 * below: 10 or more base64 characters (a Secret's values are base64). The value is group 1.
 */
const K8S_DATA_VALUE = String.raw`\bdata:[ \t]{0,4}\r?\n[ \t]{1,16}["']?[\w.-]{1,253}["']?:(?:[ \t]{1,4}["']?|[ \t]{0,4}[|>][-+]?[ \t]{0,4}\r?\n[ \t]{1,32})([A-Za-z0-9+/]{10,16384}={0,3})(?![\w+/=-])`;
/** `kind: Secret` (not ExternalSecret, SecretProviderClass, …). */
const K8S_KIND_SECRET = String.raw`\bkind:[ \t]{0,4}["']?[Ss]ecret["']?`;
/**
 * Up to 1,024 characters of the same YAML document (no line in them starts a new one, `---`) that do not
 * run past another `word`: a dense run of `kind:` or `data:` then costs each one the text up to the next,
 * not 1,024 characters each.
 */
const sameDocumentBefore = (word: string) => String.raw`(?:[^\n${word[0]}]|${word[0]}(?!${word.slice(1)})|\n(?!---)){0,1024}?`;

// ── The table ───────────────────────────────────────────────────────────────────────────────────

/**
 * Provider formats first, the generic rule last: on an exact tie (same span) the earlier rule names
 * the finding, so a Stripe key is `stripe_secret_key`, never `high_entropy_secret`.
 */
export const SECRET_RULES: readonly SecretRule[] = [
  // Cloud
  {
    id: "aws_access_key_id",
    description:
      "AWS access key id: AKIA (long-term), ASIA (temporary, STS), ABIA, ACCA + 16 base32 characters (IAM unique id prefixes). AWS's documentation example (…EXAMPLE) is not a finding.",
    keywords: ["akia", "asia", "abia", "acca"],
    pattern: token("(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}"),
    validate: notAwsExampleKeyId,
  },
  {
    id: "aws_secret_access_key",
    description: "AWS secret access key: 40 base64 characters assigned to a name with aws or secret_access (AWS_SECRET_ACCESS_KEY=…, secretAccessKey: …).",
    keywords: ["aws", "secret_access", "secretaccess"],
    pattern: near("aws|secret_?access", "[A-Za-z0-9/+]{40}", AFTER_B64),
    group: 1,
    validate: awsSecretAccessKeyValid,
  },
  {
    id: "google_api_key",
    description: "Google API key (Google Cloud, Maps, Firebase, Gemini / Google AI Studio): AIza + 35 characters of [A-Za-z0-9_-].",
    keywords: ["aiza"],
    pattern: token(String.raw`AIza[\w-]{35}`),
  },
  {
    id: "gcp_service_account_key_id",
    description: 'Google Cloud service-account key file: the 40-hex "private_key_id" (the key itself is a PRIVATE KEY block, found by private_key).',
    keywords: ["private_key_id"],
    pattern: rx(String.raw`"private_key_id"[ \t]{0,4}:[ \t]{0,4}"([a-f0-9]{40})"`),
    group: 1,
  },
  {
    id: "google_oauth_client_secret",
    description: "Google OAuth client secret: GOCSPX- + 28 characters.",
    keywords: ["gocspx-"],
    pattern: token(String.raw`GOCSPX-[\w-]{28}`),
  },
  {
    id: "google_oauth_access_token",
    description: "Google OAuth 2.0 access token: ya29. + 30 or more characters of [A-Za-z0-9_-].",
    keywords: ["ya29."],
    pattern: rx(String.raw`${BEFORE}ya29\.[\w-]{30,}`),
  },
  {
    id: "azure_storage_account_key",
    description: "Azure Storage account key in a connection string: AccountKey= + 86 base64 characters + ==.",
    keywords: ["accountkey="],
    pattern: rx(String.raw`AccountKey=([A-Za-z0-9+/]{86}==)${AFTER_B64}`, "gi"),
    group: 1,
  },
  {
    id: "azure_shared_access_key",
    description: "Azure Service Bus / Event Hubs / IoT Hub connection string: SharedAccessKey= + 43 base64 characters + =.",
    keywords: ["sharedaccesskey="],
    pattern: rx(String.raw`SharedAccessKey=([A-Za-z0-9+/]{43}=)${AFTER_B64}`, "gi"),
    group: 1,
  },
  {
    id: "azure_sas_signature",
    description: "Azure shared access signature: the sig= value of a SAS query string that starts with sv=YYYY-MM-DD.",
    keywords: ["sv="],
    pattern: rx(String.raw`\bsv=\d{4}-\d{2}-\d{2}&[^\s"'<>#]{0,512}?\bsig=([A-Za-z0-9%+/=]{40,120})(?![A-Za-z0-9%+/=])`),
    group: 1,
  },
  {
    id: "azure_ad_client_secret",
    description: "Microsoft Entra ID (Azure AD) application client secret: 3 characters, a digit, Q~, 31–34 characters (40 in all).",
    keywords: ["q~"],
    pattern: rx(String.raw`(?<![\w~.-])[\w~.]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])`),
  },
  {
    id: "digitalocean_pat",
    description: "DigitalOcean personal access token: dop_v1_ + 64 hex.",
    keywords: ["dop_v1_"],
    pattern: token("dop_v1_[a-f0-9]{64}"),
  },
  {
    id: "digitalocean_oauth_token",
    description: "DigitalOcean OAuth access token: doo_v1_ + 64 hex.",
    keywords: ["doo_v1_"],
    pattern: token("doo_v1_[a-f0-9]{64}"),
  },
  {
    id: "digitalocean_refresh_token",
    description: "DigitalOcean OAuth refresh token: dor_v1_ + 64 hex.",
    keywords: ["dor_v1_"],
    pattern: token("dor_v1_[a-f0-9]{64}"),
  },
  {
    id: "heroku_api_key",
    description: "Heroku API key (2024 format): HRKU-AA + 58 characters.",
    keywords: ["hrku-"],
    pattern: token(String.raw`HRKU-AA[\w-]{58}`),
  },
  {
    id: "heroku_api_key_legacy",
    description: "Heroku API key (legacy, a UUID) assigned to a name with heroku.",
    keywords: ["heroku"],
    pattern: near("heroku", UUID),
    group: 1,
  },
  {
    id: "alibaba_access_key_id",
    description: "Alibaba Cloud AccessKey id: LTAI + 12–20 alphanumerics.",
    keywords: ["ltai"],
    pattern: token("LTAI[A-Za-z0-9]{12,20}"),
  },
  {
    id: "alibaba_access_key_secret",
    description: "Alibaba Cloud AccessKey secret: 30 alphanumerics assigned to a name with alibaba, aliyun or access_key_secret.",
    keywords: ["alibaba", "aliyun", "keysecret", "key_secret"],
    pattern: near("alibaba|aliyun|access_?key_?secret", "[A-Za-z0-9]{30}"),
    group: 1,
  },
  {
    id: "cloudflare_api_token",
    description: "Cloudflare API token: 40 characters of [A-Za-z0-9_-] assigned to a name with cloudflare or cf_api_token.",
    keywords: ["cloudflare", "cf_api_token"],
    pattern: near("cloudflare|cf_api_token", String.raw`[\w-]{40}`),
    group: 1,
  },
  {
    id: "cloudflare_global_api_key",
    description: "Cloudflare global API key: 37 hex assigned to a name with cloudflare or cf_api_key.",
    keywords: ["cloudflare", "cf_api_key"],
    pattern: near("cloudflare|cf_api_key", "[a-f0-9]{37}"),
    group: 1,
  },
  {
    id: "cloudflare_origin_ca_key",
    description: "Cloudflare Origin CA key: v1.0- + 24 hex + - + 146 hex.",
    keywords: ["v1.0-"],
    pattern: token(String.raw`v1\.0-[a-f0-9]{24}-[a-f0-9]{146}`),
  },

  // Source hosting and packages
  {
    id: "github_token",
    description: "GitHub personal access token (classic): ghp_ + 36 alphanumerics.",
    keywords: ["ghp_"],
    pattern: token("ghp_[A-Za-z0-9]{36}"),
  },
  {
    id: "github_oauth_token",
    description: "GitHub OAuth access token: gho_ + 36 alphanumerics.",
    keywords: ["gho_"],
    pattern: token("gho_[A-Za-z0-9]{36}"),
  },
  {
    id: "github_user_token",
    description: "GitHub App user-to-server token: ghu_ + 36 alphanumerics.",
    keywords: ["ghu_"],
    pattern: token("ghu_[A-Za-z0-9]{36}"),
  },
  {
    id: "github_app_token",
    description: "GitHub App installation (server-to-server) token: ghs_ + 36 alphanumerics.",
    keywords: ["ghs_"],
    pattern: token("ghs_[A-Za-z0-9]{36}"),
  },
  {
    id: "github_refresh_token",
    description: "GitHub App refresh token: ghr_ + 36 alphanumerics.",
    keywords: ["ghr_"],
    pattern: token("ghr_[A-Za-z0-9]{36}"),
  },
  {
    id: "github_fine_grained_token",
    description: "GitHub fine-grained personal access token: github_pat_ + 22 alphanumerics + _ + 59 alphanumerics.",
    keywords: ["github_pat_"],
    pattern: token("github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),
  },
  {
    id: "gitlab_pat",
    description: "GitLab personal, project or group access token: glpat- + 20 characters, or the routable form glpat-<27–300>.<9>.",
    keywords: ["glpat-"],
    pattern: token(String.raw`glpat-(?:[\w-]{27,300}\.[0-9a-z]{9}|[\w-]{20})`),
  },
  { id: "gitlab_deploy_token", description: "GitLab deploy token: gldt- + 20 characters.", keywords: ["gldt-"], pattern: token(String.raw`gldt-[\w-]{20}`) },
  {
    id: "gitlab_runner_token",
    description: "GitLab runner authentication token: glrt- + 20 characters, or the routable glrt-t<digit>_<27–300>.<9>.",
    keywords: ["glrt-"],
    pattern: token(String.raw`glrt-(?:t\d_[\w-]{27,300}\.[0-9a-z]{9}|[\w-]{20})`),
  },
  {
    id: "gitlab_runner_registration_token",
    description: "GitLab runner registration token: GR1348941 + 20 characters.",
    keywords: ["gr1348941"],
    pattern: token(String.raw`GR1348941[\w-]{20}`),
  },
  {
    id: "gitlab_pipeline_trigger_token",
    description: "GitLab pipeline trigger token: glptt- + 40 hex.",
    keywords: ["glptt-"],
    pattern: token("glptt-[a-f0-9]{40}"),
  },
  {
    id: "gitlab_ci_job_token",
    description: "GitLab CI/CD job token: glcbt- + 1–5 alphanumerics + _ + 20 characters.",
    keywords: ["glcbt-"],
    pattern: token(String.raw`glcbt-[A-Za-z0-9]{1,5}_[\w-]{20}`),
  },
  { id: "gitlab_oauth_app_secret", description: "GitLab OAuth application secret: gloas- + 64 characters.", keywords: ["gloas-"], pattern: token(String.raw`gloas-[\w-]{64}`) },
  { id: "gitlab_feed_token", description: "GitLab feed token: glft- + 20 characters.", keywords: ["glft-"], pattern: token(String.raw`glft-[\w-]{20}`) },
  { id: "gitlab_incoming_mail_token", description: "GitLab incoming mail token: glimt- + 25 characters.", keywords: ["glimt-"], pattern: token(String.raw`glimt-[\w-]{25}`) },
  { id: "gitlab_agent_token", description: "GitLab agent for Kubernetes token: glagent- + 50 characters.", keywords: ["glagent-"], pattern: token(String.raw`glagent-[\w-]{50}`) },
  { id: "gitlab_scim_token", description: "GitLab SCIM OAuth token: glsoat- + 20 characters.", keywords: ["glsoat-"], pattern: token(String.raw`glsoat-[\w-]{20}`) },
  {
    id: "gitlab_feature_flags_token",
    description: "GitLab feature flags client token: glffct- + 20 characters.",
    keywords: ["glffct-"],
    pattern: token(String.raw`glffct-[\w-]{20}`),
  },
  {
    id: "gitlab_session_cookie",
    description: "GitLab session cookie: the 32 lowercase alphanumerics after _gitlab_session=.",
    keywords: ["_gitlab_session="],
    pattern: rx(String.raw`_gitlab_session=([a-z0-9]{32})${AFTER}`),
    group: 1,
    validate: notLowEntropy,
  },
  {
    id: "atlassian_api_token",
    description: "Atlassian (Jira, Confluence) API token: ATATT3 + 186 characters.",
    keywords: ["atatt3"],
    pattern: rx(String.raw`${BEFORE}ATATT3[\w=-]{186}(?![\w=-])`),
  },
  {
    id: "bitbucket_app_password",
    description: "Bitbucket app password: ATBB + 28–36 characters.",
    keywords: ["atbb"],
    pattern: rx(String.raw`${BEFORE}ATBB[\w=.-]{28,36}(?![\w=.-])`),
  },
  { id: "npm_token", description: "npm access token: npm_ + 36 alphanumerics.", keywords: ["npm_"], pattern: token("npm_[A-Za-z0-9]{36}") },
  {
    id: "pypi_token",
    description: "PyPI / TestPyPI API token: pypi- + the base64 macaroon header for pypi.org or test.pypi.org + 50 or more characters.",
    keywords: ["pypi-ag"],
    pattern: rx(String.raw`${BEFORE}pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[\w-]{50,}`),
  },
  { id: "rubygems_api_key", description: "RubyGems API key: rubygems_ + 48 hex.", keywords: ["rubygems_"], pattern: token("rubygems_[a-f0-9]{48}") },
  { id: "docker_hub_pat", description: "Docker Hub personal access token: dckr_pat_ + 27 characters.", keywords: ["dckr_pat_"], pattern: token(String.raw`dckr_pat_[\w-]{27}`) },
  { id: "jfrog_api_key", description: "JFrog Artifactory API key: AKCp + 69 alphanumerics.", keywords: ["akcp"], pattern: token("AKCp[A-Za-z0-9]{69}") },
  {
    id: "jfrog_reference_token",
    description: "JFrog Artifactory reference token: cmVmd (base64 of reftkn) + 59 alphanumerics.",
    keywords: ["cmvmd"],
    pattern: token("cmVmd[A-Za-z0-9]{59}"),
  },
  {
    id: "sourcegraph_access_token",
    description: "Sourcegraph access token: sgp_ + 40 hex, or sgp_<16 hex or local>_<40 hex>.",
    keywords: ["sgp_"],
    pattern: token("sgp_(?:[a-fA-F0-9]{16}_[a-fA-F0-9]{40}|local_[a-fA-F0-9]{40}|[a-fA-F0-9]{40})"),
  },
  { id: "clojars_token", description: "Clojars deploy token: CLOJARS_ + 60 lowercase alphanumerics.", keywords: ["clojars_"], pattern: token("CLOJARS_[a-z0-9]{60}") },

  {
    id: "aws_bedrock_api_key",
    description: "Amazon Bedrock long-term API key: ABSK + 109–269 base64 characters.",
    keywords: ["absk"],
    pattern: rx(String.raw`${BEFORE_B64}ABSK[A-Za-z0-9+/]{109,269}={0,2}${AFTER_B64}`),
  },
  {
    id: "aws_bedrock_short_lived_key",
    description:
      "Amazon Bedrock short-lived API key: bedrock-api-key- + the base64 of a presigned bedrock.amazonaws.com URL (YmVkcm9jay5hbWF6b25hd3MuY29t + 20 or more base64 characters).",
    keywords: ["bedrock-api-key-"],
    pattern: rx(String.raw`${BEFORE}bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=]{20,}`),
  },
  { id: "adobe_client_secret", description: "Adobe OAuth client secret: p8e- + 32 alphanumerics.", keywords: ["p8e-"], pattern: token("p8e-[A-Za-z0-9]{32}") },
  {
    id: "clickhouse_cloud_secret",
    description: "ClickHouse Cloud API secret key: 4b1d + 38 alphanumerics.",
    keywords: ["4b1d"],
    pattern: token("4b1d[A-Za-z0-9]{38}"),
  },
  {
    id: "settlemint_token",
    description: "SettleMint personal, application or service access token: sm_pat_, sm_aat_ or sm_sat_ + 16 alphanumerics.",
    keywords: ["sm_pat_", "sm_aat_", "sm_sat_"],
    pattern: token("sm_(?:pat|aat|sat)_[A-Za-z0-9]{16}"),
  },
  {
    id: "intra42_client_secret",
    description: "42 Intra OAuth client secret: s-s4t2ud- or s-s4t2af- + 64 hex.",
    keywords: ["s-s4t2"],
    pattern: token("s-s4t2(?:ud|af)-[a-f0-9]{64}"),
  },

  // Payments and commerce
  {
    id: "stripe_secret_key",
    description: "Stripe secret key: sk_live_ or sk_test_ + 24–247 alphanumerics.",
    keywords: ["sk_live_", "sk_test_"],
    pattern: token("sk_(?:live|test)_[A-Za-z0-9]{24,247}"),
  },
  {
    id: "stripe_restricted_key",
    description: "Stripe restricted key: rk_live_ or rk_test_ + 24–247 alphanumerics.",
    keywords: ["rk_live_", "rk_test_"],
    pattern: token("rk_(?:live|test)_[A-Za-z0-9]{24,247}"),
  },
  {
    id: "stripe_publishable_key",
    description: "Stripe publishable key: pk_live_ or pk_test_ + 24–247 alphanumerics (meant for browsers, but ties an account to the text).",
    keywords: ["pk_live_", "pk_test_"],
    pattern: token("pk_(?:live|test)_[A-Za-z0-9]{24,247}"),
  },
  {
    id: "stripe_webhook_secret",
    description: "Stripe (and Svix) webhook signing secret: whsec_ + 32 or more base64 characters.",
    keywords: ["whsec_"],
    pattern: rx(String.raw`${BEFORE}whsec_[A-Za-z0-9+/=]{32,}`),
  },
  {
    id: "square_access_token",
    description: "Square access token: EAAA + 60 characters, or the legacy sq0atp- + 22 characters.",
    keywords: ["eaaa", "sq0atp-"],
    pattern: token(String.raw`(?:EAAA[\w-]{60}|sq0atp-[\w-]{22})`),
  },
  { id: "square_oauth_secret", description: "Square OAuth application secret: sq0csp- + 43 characters.", keywords: ["sq0csp-"], pattern: token(String.raw`sq0csp-[\w-]{43}`) },
  {
    id: "braintree_access_token",
    description: "PayPal Braintree access token: access_token$production$ (or $sandbox$) + 16 alphanumerics + $ + 32 hex.",
    keywords: ["access_token$"],
    pattern: token(String.raw`access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}`),
  },
  {
    id: "shopify_access_token",
    description: "Shopify Admin API access token: shpat_ + 32 hex.",
    keywords: ["shpat_"],
    pattern: token("shpat_[a-fA-F0-9]{32}"),
  },
  {
    id: "shopify_shared_secret",
    description: "Shopify app shared secret: shpss_ + 32 hex.",
    keywords: ["shpss_"],
    pattern: token("shpss_[a-fA-F0-9]{32}"),
  },
  {
    id: "shopify_custom_app_token",
    description: "Shopify custom app access token: shpca_ + 32 hex.",
    keywords: ["shpca_"],
    pattern: token("shpca_[a-fA-F0-9]{32}"),
  },
  {
    id: "shopify_private_app_token",
    description: "Shopify private app access token: shppa_ + 32 hex.",
    keywords: ["shppa_"],
    pattern: token("shppa_[a-fA-F0-9]{32}"),
  },
  {
    id: "plaid_access_token",
    description: "Plaid access token: access-sandbox-, access-development- or access-production- + a UUID.",
    keywords: ["access-sandbox-", "access-development-", "access-production-"],
    pattern: token(`access-(?:sandbox|development|production)-${UUID}`),
  },
  {
    id: "flutterwave_secret_key",
    description: "Flutterwave secret key: FLWSECK- or FLWSECK_TEST- + 32 hex + -X.",
    keywords: ["flwseck"],
    pattern: token("FLWSECK(?:_TEST)?-[a-hA-H0-9]{32}-X"),
  },
  {
    id: "flutterwave_encryption_key",
    description: "Flutterwave encryption key: FLWSECK_TEST or FLWSECK, an optional -, + 12 hex.",
    keywords: ["flwseck"],
    pattern: token("FLWSECK(?:_TEST)?-?[a-hA-H0-9]{12}"),
  },
  { id: "shippo_api_token", description: "Shippo API token: shippo_live_ or shippo_test_ + 40 hex.", keywords: ["shippo_"], pattern: token("shippo_(?:live|test)_[a-f0-9]{40}") },
  {
    id: "easypost_api_key",
    description: "EasyPost API key: EZAK (production) or EZTK (test) + 54 alphanumerics.",
    keywords: ["ezak", "eztk"],
    pattern: token("EZ[AT]K[A-Za-z0-9]{54}"),
  },
  {
    id: "duffel_api_token",
    description: "Duffel API token: duffel_live_ or duffel_test_ + 43 characters.",
    keywords: ["duffel_"],
    pattern: rx(String.raw`${BEFORE}duffel_(?:live|test)_[\w=-]{43}(?![\w=-])`),
  },

  // Messaging, chat and email
  {
    id: "slack_bot_token",
    description: "Slack bot token: xoxb- + workspace id + - + bot id + - + 24 alphanumerics.",
    keywords: ["xoxb-"],
    pattern: token(String.raw`xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24}`),
  },
  {
    id: "slack_user_token",
    description: "Slack user token: xoxp- (or xoxe-) + three numeric ids + 28–34 alphanumerics.",
    keywords: ["xoxp-", "xoxe-"],
    pattern: token(String.raw`xox[pe]-\d{10,13}-\d{10,13}-\d{10,13}-[A-Za-z0-9]{28,34}`),
  },
  {
    id: "slack_app_token",
    description: "Slack app-level token: xapp-<digit>-<app id>-<digits>-<64 hex>.",
    keywords: ["xapp-"],
    pattern: token(String.raw`xapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-f0-9]{64}`),
  },
  {
    id: "slack_config_access_token",
    description: "Slack app configuration access token: xoxe.xoxb- or xoxe.xoxp- + <digit>- + 163–166 upper-case alphanumerics.",
    keywords: ["xoxe.xox"],
    pattern: token(String.raw`xoxe\.xox[bp]-\d-[A-Z0-9]{163,166}`),
  },
  {
    id: "slack_config_refresh_token",
    description: "Slack app configuration refresh token: xoxe- + <digit>- + 146 upper-case alphanumerics.",
    keywords: ["xoxe-"],
    pattern: token(String.raw`xoxe-\d-[A-Z0-9]{146}`),
  },
  {
    id: "slack_legacy_workspace_token",
    description: "Slack legacy workspace or refresh token: xoxa- or xoxr- + 8–48 alphanumerics.",
    keywords: ["xoxa-", "xoxr-"],
    pattern: token(String.raw`xox[ar]-(?:\d-)?[A-Za-z0-9]{8,48}`),
  },
  {
    id: "slack_legacy_bot_token",
    description: "Slack legacy bot token: xoxb- + 8–14 digits + - + 18–26 alphanumerics.",
    keywords: ["xoxb-"],
    pattern: token(String.raw`xoxb-\d{8,14}-[A-Za-z0-9]{18,26}`),
  },
  {
    id: "slack_legacy_token",
    description: "Slack legacy (test or workspace) token: xoxo- or xoxs- + three numeric ids + hex.",
    keywords: ["xoxo-", "xoxs-"],
    pattern: token(String.raw`xox[os]-\d{1,20}-\d{1,20}-\d{1,20}-[a-fA-F0-9]{8,64}`),
  },
  {
    id: "slack_webhook_url",
    description: "Slack incoming webhook or workflow URL: https://hooks.slack.com/services|workflows|triggers/ + 43–56 characters.",
    keywords: ["hooks.slack.com"],
    pattern: rx(String.raw`https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}(?![A-Za-z0-9+/])`),
  },
  {
    id: "discord_bot_token",
    description: "Discord bot token (base64 user id . 6 . 27–38 characters) assigned to a name with discord.",
    keywords: ["discord"],
    pattern: near("discord", String.raw`[MNO][\w-]{23,25}\.[\w-]{6}\.[\w-]{27,38}`),
    group: 1,
  },
  {
    id: "discord_webhook_url",
    description: "Discord webhook URL: https://discord.com/api/webhooks/<17–20 digit id>/<60–72 character token>.",
    keywords: ["discord"],
    pattern: rx(String.raw`https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{60,72}${AFTER}`),
  },
  {
    id: "telegram_bot_token",
    description: "Telegram Bot API token: 8–10 digit bot id + :AA + 33 characters.",
    keywords: [":aa"],
    pattern: rx(String.raw`(?<!\d)\d{8,10}:AA[\w-]{33}${AFTER}`),
  },
  {
    id: "microsoft_teams_webhook",
    description: "Microsoft Teams incoming webhook URL on webhook.office.com (webhookb2/<uuid>@<uuid>/IncomingWebhook/<32 hex>/<uuid>).",
    keywords: ["webhook.office.com"],
    pattern: rx(String.raw`https://[a-z0-9-]{1,63}\.webhook\.office\.com/webhookb2/${UUID}@${UUID}/IncomingWebhook/[a-f0-9]{32}/${UUID}`),
  },
  { id: "twilio_api_key", description: "Twilio API key SID: SK + 32 lowercase hex.", keywords: ["sk"], pattern: token("SK[0-9a-f]{32}") },
  {
    id: "sendgrid_api_key",
    description: "SendGrid (Twilio) API key: SG. + 22 characters + . + 43 characters.",
    keywords: ["sg."],
    pattern: token(String.raw`SG\.[\w-]{22}\.[\w-]{43}`),
  },
  { id: "mailgun_api_key", description: "Mailgun API key: key- + 32 hex.", keywords: ["key-"], pattern: token("key-[0-9a-f]{32}") },
  {
    id: "mailchimp_api_key",
    description: "Mailchimp API key: 32 hex + -us + data-center number.",
    keywords: ["-us"],
    pattern: token(String.raw`[0-9a-f]{32}-us\d{1,2}`),
  },
  {
    id: "brevo_api_key",
    description: "Brevo (Sendinblue) API key: xkeysib- + 64 hex + - + 16 alphanumerics.",
    keywords: ["xkeysib-"],
    pattern: token("xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}"),
  },

  // Model providers
  {
    id: "openai_project_key",
    description: "OpenAI project API key: sk-proj- + 40–300 characters of [A-Za-z0-9_-].",
    keywords: ["sk-proj-"],
    pattern: token(String.raw`sk-proj-[\w-]{40,300}`),
  },
  {
    id: "openai_service_account_key",
    description: "OpenAI service-account key: sk-svcacct- + 40–300 characters.",
    keywords: ["sk-svcacct-"],
    pattern: token(String.raw`sk-svcacct-[\w-]{40,300}`),
  },
  {
    id: "openai_admin_key",
    description: "OpenAI admin key: sk-admin- + 40–300 characters.",
    keywords: ["sk-admin-"],
    pattern: token(String.raw`sk-admin-[\w-]{40,300}`),
  },
  {
    id: "openai_api_key",
    description: "OpenAI user API key (legacy): sk- + 20 alphanumerics + T3BlbkFJ (base64 of OpenAI) + 20 alphanumerics.",
    keywords: ["t3blbkfj"],
    pattern: token("sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
  },
  {
    id: "anthropic_api_key",
    description: "Anthropic API key: sk-ant-api03- + 93 characters + AA.",
    keywords: ["sk-ant-api03-"],
    pattern: token(String.raw`sk-ant-api03-[\w-]{93}AA`),
  },
  {
    id: "anthropic_admin_key",
    description: "Anthropic Admin API key: sk-ant-admin01- + 93 characters + AA.",
    keywords: ["sk-ant-admin01-"],
    pattern: token(String.raw`sk-ant-admin01-[\w-]{93}AA`),
  },
  { id: "huggingface_token", description: "Hugging Face user access token: hf_ + 34 letters.", keywords: ["hf_"], pattern: token("hf_[A-Za-z]{34}") },
  {
    id: "huggingface_org_token",
    description: "Hugging Face organization API token: api_org_ + 34 letters.",
    keywords: ["api_org_"],
    pattern: token("api_org_[A-Za-z]{34}"),
  },
  { id: "groq_api_key", description: "Groq API key: gsk_ + 52 alphanumerics.", keywords: ["gsk_"], pattern: token("gsk_[A-Za-z0-9]{52}") },
  { id: "replicate_api_token", description: "Replicate API token: r8_ + 37 alphanumerics.", keywords: ["r8_"], pattern: token("r8_[A-Za-z0-9]{37}") },
  {
    id: "cohere_api_key",
    description: "Cohere API key: 40 alphanumerics assigned to a name with cohere or co_api_key.",
    keywords: ["cohere", "co_api_key"],
    pattern: near("cohere|co_api_key", "[A-Za-z0-9]{40}"),
    group: 1,
  },
  {
    id: "mistral_api_key",
    description: "Mistral AI API key: 32 alphanumerics assigned to a name with mistral.",
    keywords: ["mistral"],
    pattern: near("mistral", "[A-Za-z0-9]{32}"),
    group: 1,
  },
  { id: "perplexity_api_key", description: "Perplexity API key: pplx- + 48 alphanumerics.", keywords: ["pplx-"], pattern: token("pplx-[A-Za-z0-9]{48}") },
  { id: "xai_api_key", description: "xAI (Grok) API key: xai- + 80 alphanumerics.", keywords: ["xai-"], pattern: token("xai-[A-Za-z0-9]{80}") },
  {
    id: "langsmith_api_key",
    description: "LangSmith API key: lsv2_pt_ (personal) or lsv2_sk_ (service) + 32 hex + _ + 10 hex.",
    keywords: ["lsv2_"],
    pattern: token("lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}"),
  },
  { id: "openrouter_api_key", description: "OpenRouter API key: sk-or-v1- + 64 hex.", keywords: ["sk-or-v1-"], pattern: token("sk-or-v1-[a-f0-9]{64}") },

  // Developer platforms and SaaS
  { id: "linear_api_key", description: "Linear personal API key: lin_api_ + 40 alphanumerics.", keywords: ["lin_api_"], pattern: token("lin_api_[A-Za-z0-9]{40}") },
  {
    id: "notion_token",
    description: "Notion integration token: ntn_ + 11 digits + 35 alphanumerics, or the older secret_ + 43 alphanumerics.",
    keywords: ["ntn_", "secret_"],
    pattern: token(String.raw`(?:ntn_\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})`),
  },
  {
    id: "vercel_token",
    description: "Vercel access token: 24 alphanumerics assigned to a name with vercel.",
    keywords: ["vercel"],
    pattern: near("vercel", "[A-Za-z0-9]{24}"),
    group: 1,
  },
  {
    id: "netlify_token",
    description: "Netlify personal access token: 40–46 characters assigned to a name with netlify.",
    keywords: ["netlify"],
    pattern: near("netlify", String.raw`[\w-]{40,46}`),
    group: 1,
  },
  { id: "postman_api_key", description: "Postman API key: PMAK- + 24 hex + - + 34 hex.", keywords: ["pmak-"], pattern: token("PMAK-[a-f0-9]{24}-[a-f0-9]{34}") },
  {
    id: "databricks_token",
    description: "Databricks personal access token: dapi + 32 hex (+ -<digit>).",
    keywords: ["dapi"],
    pattern: token(String.raw`dapi[a-f0-9]{32}(?:-\d)?`),
  },
  {
    id: "doppler_token",
    description: "Doppler token: dp.pt. (personal), dp.st. (service), dp.sa. (service account), dp.ct. (CLI), dp.scim., dp.audit. + 40–44 alphanumerics.",
    keywords: ["dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."],
    pattern: token(String.raw`dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}`),
  },
  { id: "vault_service_token", description: "HashiCorp Vault service token: hvs. + 90–120 characters.", keywords: ["hvs."], pattern: token(String.raw`hvs\.[\w-]{90,120}`) },
  { id: "vault_batch_token", description: "HashiCorp Vault batch token: hvb. + 138–300 characters.", keywords: ["hvb."], pattern: token(String.raw`hvb\.[\w-]{138,300}`) },
  {
    id: "terraform_cloud_token",
    description: "HCP Terraform (Terraform Cloud / Enterprise) API token: 14 alphanumerics + .atlasv1. + 60–70 characters.",
    keywords: [".atlasv1."],
    pattern: rx(String.raw`${BEFORE}[A-Za-z0-9]{14}\.atlasv1\.[\w=-]{60,70}(?![\w=-])`),
  },
  {
    id: "sentry_org_token",
    description: "Sentry organization auth token: sntrys_ + base64 JSON (eyJ…) + _ + 43 base64 characters.",
    keywords: ["sntrys_"],
    pattern: rx(String.raw`${BEFORE}sntrys_eyJ[A-Za-z0-9+/=]{20,400}_[A-Za-z0-9+/]{43}${AFTER_B64}`),
  },
  { id: "sentry_user_token", description: "Sentry user auth token: sntryu_ + 64 hex.", keywords: ["sntryu_"], pattern: token("sntryu_[a-f0-9]{64}") },
  { id: "new_relic_user_api_key", description: "New Relic user API key: NRAK- + 27 upper-case alphanumerics.", keywords: ["nrak-"], pattern: token("NRAK-[A-Z0-9]{27}") },
  { id: "new_relic_insert_key", description: "New Relic Insights insert key: NRII- + 32 characters.", keywords: ["nrii-"], pattern: token(String.raw`NRII-[\w-]{32}`) },
  { id: "new_relic_browser_key", description: "New Relic browser API key: NRJS- + 19 hex.", keywords: ["nrjs-"], pattern: token("NRJS-[a-f0-9]{19}") },
  {
    id: "grafana_cloud_token",
    description: "Grafana Cloud access policy / API token: glc_ + 32 or more base64 characters.",
    keywords: ["glc_"],
    pattern: rx(String.raw`${BEFORE}glc_[A-Za-z0-9+/]{32,}`),
  },
  {
    id: "grafana_api_key",
    description: 'Grafana API key (legacy): eyJrIjoi (base64 of {"k":") + 70–400 base64 characters.',
    keywords: ["eyjrijoi"],
    pattern: rx(String.raw`${BEFORE_B64}eyJrIjoi[A-Za-z0-9+/]{70,400}={0,3}${AFTER_B64}`),
  },
  {
    id: "grafana_service_account_token",
    description: "Grafana service account token: glsa_ + 32 alphanumerics + _ + 8 hex.",
    keywords: ["glsa_"],
    pattern: token("glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"),
  },
  {
    id: "datadog_api_key",
    description: "Datadog API key (32 hex) or application key (40 hex) assigned to a name with datadog, dd_api or dd_app.",
    keywords: ["datadog", "dd_api", "dd_app"],
    pattern: near("datadog|dd_api|dd_app", "[a-f0-9]{40}|[a-f0-9]{32}"),
    group: 1,
  },
  {
    id: "dynatrace_api_token",
    description: "Dynatrace API token: dt0c01. + 24 alphanumerics + . + 64 alphanumerics.",
    keywords: ["dt0c01."],
    pattern: token(String.raw`dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}`),
  },
  {
    id: "okta_api_token",
    description: "Okta API token: 00 + 40 characters assigned to a name with okta.",
    keywords: ["okta"],
    pattern: near("okta", String.raw`00[\w=-]{40}`, String.raw`(?![\w=-])`),
    group: 1,
  },
  {
    id: "twitch_api_token",
    description: "Twitch OAuth token or client secret: 30 lowercase alphanumerics assigned to a name with twitch.",
    keywords: ["twitch"],
    pattern: near("twitch", "[a-z0-9]{30}"),
    group: 1,
  },
  {
    id: "dropbox_access_token",
    description: "Dropbox short-lived access token: sl. + 130 or more characters.",
    keywords: ["sl."],
    pattern: rx(String.raw`${BEFORE}sl\.[\w.=-]{130,}`),
  },
  {
    id: "asana_pat",
    description: "Asana personal access token (<digit>/<digits>:<32 alphanumerics>, or legacy 0/<32 hex>) assigned to a name with asana.",
    keywords: ["asana"],
    pattern: near("asana", String.raw`\d/\d{10,20}:[A-Za-z0-9]{32}|0/[a-f0-9]{32}`),
    group: 1,
  },
  {
    id: "airtable_pat",
    description: "Airtable personal access token: pat + 14 alphanumerics + . + 64 hex.",
    keywords: ["pat"],
    pattern: token(String.raw`pat[A-Za-z0-9]{14}\.[a-f0-9]{64}`),
  },
  { id: "figma_pat", description: "Figma personal access token: figd_ + 40 characters.", keywords: ["figd_"], pattern: token(String.raw`figd_[\w-]{40}`) },
  {
    id: "contentful_pat",
    description: "Contentful management personal access token: CFPAT- + 43 characters.",
    keywords: ["cfpat-"],
    pattern: token(String.raw`CFPAT-[\w-]{43}`),
  },
  {
    id: "algolia_api_key",
    description: "Algolia API key: 32 hex assigned to a name with algolia.",
    keywords: ["algolia"],
    pattern: near("algolia", "[a-f0-9]{32}"),
    group: 1,
  },
  {
    id: "mapbox_secret_token",
    description: "Mapbox secret access token: sk.eyJ + base64url + . + 20–30 characters.",
    keywords: ["sk.eyj"],
    pattern: token(String.raw`sk\.eyJ[\w-]{20,300}\.[\w-]{20,30}`),
  },
  {
    id: "mapbox_public_token",
    description: "Mapbox public access token: pk.eyJ + base64url + . + 20–30 characters (public by design; ties the account to the text).",
    keywords: ["pk.eyj"],
    pattern: token(String.raw`pk\.eyJ[\w-]{20,300}\.[\w-]{20,30}`),
  },
  { id: "pulumi_access_token", description: "Pulumi access token: pul- + 40 hex.", keywords: ["pul-"], pattern: token("pul-[a-f0-9]{40}") },
  {
    id: "flyio_token",
    description: "Fly.io access token: fo1_ + 43 characters, or a macaroon fm2_ + 100 or more base64 characters.",
    keywords: ["fo1_", "fm2_"],
    pattern: rx(String.raw`${BEFORE}(?:fo1_[\w-]{43}${AFTER}|fm2_[A-Za-z0-9+/]{100,})`),
  },
  { id: "supabase_access_token", description: "Supabase management access token: sbp_ + 40 hex.", keywords: ["sbp_"], pattern: token("sbp_[a-f0-9]{40}") },
  {
    id: "supabase_secret_key",
    description: "Supabase secret API key: sb_secret_ + 20 or more characters.",
    keywords: ["sb_secret_"],
    pattern: rx(String.raw`${BEFORE}sb_secret_[\w-]{20,}`),
  },
  {
    id: "planetscale_token",
    description: "PlanetScale service or OAuth token: pscale_tkn_ or pscale_oauth_ + 32–64 characters.",
    keywords: ["pscale_tkn_", "pscale_oauth_"],
    pattern: rx(String.raw`${BEFORE}pscale_(?:tkn|oauth)_[\w.-]{32,64}(?![\w.-])`),
  },
  {
    id: "planetscale_password",
    description: "PlanetScale database password: pscale_pw_ + 32–64 characters.",
    keywords: ["pscale_pw_"],
    pattern: rx(String.raw`${BEFORE}pscale_pw_[\w.-]{32,64}(?![\w.-])`),
  },
  { id: "neon_api_key", description: "Neon API key: napi_ + 64 lowercase alphanumerics.", keywords: ["napi_"], pattern: token("napi_[a-z0-9]{64}") },
  {
    id: "age_secret_key",
    description: "age encryption secret key: AGE-SECRET-KEY-1 + 58 Bech32 characters.",
    keywords: ["age-secret-key-1"],
    pattern: token("AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
  },
  {
    id: "onepassword_service_account_token",
    description: "1Password service account token: ops_eyJ + 250 or more base64 characters.",
    keywords: ["ops_eyj"],
    pattern: rx(String.raw`${BEFORE}ops_eyJ[A-Za-z0-9+/]{250,}`),
  },
  {
    id: "onepassword_secret_key",
    description: "1Password account Secret Key: A3-<6>-<11, or 6-5>-<5>-<5>-<5> upper-case alphanumerics.",
    keywords: ["a3-"],
    pattern: token("A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}"),
  },
  { id: "typeform_token", description: "Typeform personal access token: tfp_ + 59 characters.", keywords: ["tfp_"], pattern: rx(String.raw`${BEFORE}tfp_[\w.=-]{59}(?![\w.=-])`) },
  { id: "prefect_api_key", description: "Prefect Cloud API key: pnu_ + 36 alphanumerics.", keywords: ["pnu_"], pattern: token("pnu_[A-Za-z0-9]{36}") },
  { id: "readme_api_key", description: "ReadMe API key: rdme_ + 70 lowercase alphanumerics.", keywords: ["rdme_"], pattern: token("rdme_[a-z0-9]{70}") },
  { id: "openshift_user_token", description: "OpenShift OAuth user token: sha256~ + 43 characters.", keywords: ["sha256~"], pattern: token(String.raw`sha256~[\w-]{43}`) },
  {
    id: "octopus_deploy_api_key",
    description: "Octopus Deploy API key: API- + 26 upper-case alphanumerics.",
    keywords: ["api-"],
    pattern: token("API-[A-Z0-9]{26}"),
  },
  { id: "infracost_api_token", description: "Infracost API token: ico- + 32 alphanumerics.", keywords: ["ico-"], pattern: token("ico-[A-Za-z0-9]{32}") },
  {
    id: "harness_pat",
    description: "Harness personal or service account token: pat. or sat. + 22 characters + . + 24 alphanumerics + . + 20 alphanumerics.",
    keywords: ["pat.", "sat."],
    pattern: token(String.raw`[ps]at\.[\w-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}`),
  },
  { id: "scalingo_api_token", description: "Scalingo API token: tk-us- + 48 characters.", keywords: ["tk-us-"], pattern: token(String.raw`tk-us-[\w-]{48}`) },
  {
    id: "maxmind_license_key",
    description: "MaxMind license key: 6 alphanumerics + _ + 29 alphanumerics + _mmk.",
    keywords: ["_mmk"],
    pattern: token("[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk"),
  },
  { id: "frameio_api_token", description: "Frame.io developer token: fio-u- + 64 characters.", keywords: ["fio-u-"], pattern: rx(String.raw`${BEFORE}fio-u-[\w=-]{64}(?![\w=-])`) },

  // Formats of their own that gitleaks' default rules find and the families above lacked
  {
    id: "facebook_page_access_token",
    description: "Facebook (Meta) page or user access token: EAAM or EAAC + 100 or more alphanumerics.",
    keywords: ["eaam", "eaac"],
    pattern: rx(String.raw`${BEFORE}EAA[MC][A-Za-z0-9]{100,}`),
  },
  {
    id: "facebook_access_token",
    description: "Facebook (Meta) app access token: the app id (15–16 digits) + | (or %7C) + the app secret or a client token (27–40 characters of [A-Za-z0-9_-]).",
    keywords: ["|", "%7c"],
    pattern: rx(String.raw`${BEFORE}\d{15,16}(?:\||%7[Cc])[\w-]{27,40}${AFTER}`),
  },
  {
    id: "defined_networking_api_token",
    description: "Defined Networking (managed Nebula) API token: dnkey- + 26 characters + - + 52 characters of [A-Za-z0-9_=-].",
    keywords: ["dnkey-"],
    pattern: rx(String.raw`${BEFORE}dnkey-[\w=-]{26}-[\w=-]{52}${AFTER_EQ}`),
  },
  {
    id: "authress_access_key",
    description: "Authress service client access key: sc_, ext_, scauth_ or authress_ + client id + . + key id + . + acc_ (or acc-) + account id + . + 30–120 base64 characters.",
    keywords: [".acc_", ".acc-"],
    pattern: rx(String.raw`${BEFORE}(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.[A-Za-z0-9]{4,6}\.acc[_-][A-Za-z0-9-]{10,32}\.[\w+/=-]{30,120}${AFTER_B64}`),
  },

  // Keys with no format of their own, named by their provider (gitleaks' "semi-generic" rules): a value of
  // the provider's length and alphabet assigned to a name holding the provider's, as the near-keyword rules
  // above; a mask or a run of repeated characters is not a finding (notLowEntropy). Two rules whose value is
  // the same (Bittrex's key and secret) are told apart by the name.
  named("adafruit_api_key", "Adafruit IO key: 32 characters of [A-Za-z0-9_-] assigned to a name with adafruit.", ["adafruit"], "adafruit", String.raw`[\w-]{32}`),
  named(
    "airtable_api_key",
    "Airtable API key (legacy, retired for personal access tokens): key + 14 alphanumerics assigned to a name with airtable.",
    ["airtable"],
    "airtable",
    "key[A-Za-z0-9]{14}",
  ),
  named("asana_client_secret", "Asana OAuth client secret: 32 alphanumerics assigned to a name with asana.", ["asana"], "asana", "[A-Za-z0-9]{32}"),
  named("beamer_api_token", "Beamer API key: b_ + 44 characters of [A-Za-z0-9_=-] assigned to a name with beamer.", ["beamer"], "beamer", String.raw`b_[\w=-]{44}`, AFTER_EQ),
  named(
    "bitbucket_client_secret",
    "Bitbucket OAuth consumer secret: 64 characters of [A-Za-z0-9_=-] assigned to a name with bitbucket.",
    ["bitbucket"],
    "bitbucket",
    String.raw`[\w=-]{64}`,
    AFTER_EQ,
  ),
  named(
    "bittrex_secret_key",
    "Bittrex API secret: 32 alphanumerics assigned to a name with bittrex and then secret (BITTREX_API_SECRET=…).",
    ["bittrex"],
    String.raw`bittrex[\w.-]{0,16}secret`,
    "[A-Za-z0-9]{32}",
  ),
  named("bittrex_access_key", "Bittrex API key: 32 alphanumerics assigned to any other name with bittrex.", ["bittrex"], "bittrex", "[A-Za-z0-9]{32}"),
  named("cisco_meraki_api_key", "Cisco Meraki Dashboard API key: 40 hex assigned to a name with meraki (not camerakit).", ["meraki"], "(?<!ca)meraki", "[a-f0-9]{40}"),
  named("codecov_access_token", "Codecov upload or API token: a UUID or 32 alphanumerics assigned to a name with codecov.", ["codecov"], "codecov", `${UUID}|[A-Za-z0-9]{32}`),
  named(
    "coinbase_access_token",
    "Coinbase API secret or access token: 64 characters of [A-Za-z0-9_-] assigned to a name with coinbase.",
    ["coinbase"],
    "coinbase",
    String.raw`[\w-]{64}`,
  ),
  named("confluent_access_token", "Confluent Cloud API key: 16 alphanumerics assigned to a name with confluent.", ["confluent"], "confluent", "[A-Za-z0-9]{16}"),
  named("confluent_secret_key", "Confluent Cloud API secret: 64 base64 characters assigned to a name with confluent.", ["confluent"], "confluent", "[A-Za-z0-9+/]{64}", AFTER_B64),
  named(
    "contentful_delivery_token",
    "Contentful Content Delivery or Preview API token: 43 characters of [A-Za-z0-9_=-] assigned to a name with contentful.",
    ["contentful"],
    "contentful",
    String.raw`[\w=-]{43}`,
    AFTER_EQ,
  ),
  named(
    "discord_api_token",
    "Discord token of 64 hex assigned to a name with discord and then key, token or secret (DISCORD_TOKEN=…; not DISCORD_PUBLIC_KEY, an app's public key).",
    ["discord"],
    String.raw`discord[_.-]?(?:bot|api)?[_.-]?(?:key|token|secret)`,
    "[a-f0-9]{64}",
  ),
  named(
    "discord_client_secret",
    "Discord OAuth client secret: 32 characters of [A-Za-z0-9_=-] assigned to a name with discord.",
    ["discord"],
    "discord",
    String.raw`[\w=-]{32}`,
    AFTER_EQ,
  ),
  named("droneci_access_token", "Drone CI access token: 32 alphanumerics assigned to a name with drone (DRONE_TOKEN, droneci).", ["drone"], "drone", "[A-Za-z0-9]{32}"),
  named("dropbox_api_secret", "Dropbox app secret: 15 alphanumerics assigned to a name with dropbox.", ["dropbox"], "dropbox", "[A-Za-z0-9]{15}"),
  named(
    "dropbox_long_lived_token",
    "Dropbox long-lived access token: 11 alphanumerics + AAAAAAAAAA + 43 characters of [A-Za-z0-9_=-], assigned to a name with dropbox.",
    ["dropbox"],
    "dropbox",
    String.raw`[A-Za-z0-9]{11}AAAAAAAAAA[\w=-]{43}`,
    AFTER_EQ,
  ),
  named(
    "etsy_access_token",
    "Etsy API key or access token: 24 alphanumerics assigned to a name with etsy where no letter stands before it (not SetSysctl).",
    ["etsy"],
    "(?<![a-z])etsy",
    "[A-Za-z0-9]{24}",
  ),
  named("facebook_app_secret", "Facebook (Meta) app secret or client token: 32 hex assigned to a name with facebook.", ["facebook"], "facebook", "[a-f0-9]{32}"),
  named("fastly_api_token", "Fastly API token: 32 characters of [A-Za-z0-9_=-] assigned to a name with fastly.", ["fastly"], "fastly", String.raw`[\w=-]{32}`, AFTER_EQ),
  named("finicity_api_token", "Finicity (Mastercard Open Banking) app key: 32 hex assigned to a name with finicity.", ["finicity"], "finicity", "[a-f0-9]{32}"),
  named("finicity_client_secret", "Finicity partner secret: 20 alphanumerics assigned to a name with finicity.", ["finicity"], "finicity", "[A-Za-z0-9]{20}"),
  named("finnhub_access_token", "Finnhub API key: 20 alphanumerics assigned to a name with finnhub.", ["finnhub"], "finnhub", "[A-Za-z0-9]{20}"),
  named("flickr_access_token", "Flickr API key or secret: 32 alphanumerics assigned to a name with flickr.", ["flickr"], "flickr", "[A-Za-z0-9]{32}"),
  named("freshbooks_access_token", "FreshBooks access token: 64 alphanumerics assigned to a name with freshbooks.", ["freshbooks"], "freshbooks", "[A-Za-z0-9]{64}"),
  named("gitter_access_token", "Gitter access token: 40 characters of [A-Za-z0-9_-] assigned to a name with gitter.", ["gitter"], "gitter", String.raw`[\w-]{40}`),
  named(
    "gocardless_api_token",
    "GoCardless access token: live_ or sandbox_ + 40 characters of [A-Za-z0-9_=-], assigned to a name with gocardless.",
    ["gocardless"],
    "gocardless",
    String.raw`(?:live|sandbox)_[\w=-]{40}`,
    AFTER_EQ,
  ),
  named("hubspot_api_key", "HubSpot API key (legacy): a UUID assigned to a name with hubspot.", ["hubspot"], "hubspot", UUID),
  named("intercom_api_key", "Intercom access token: 60 characters of [A-Za-z0-9_=-] assigned to a name with intercom.", ["intercom"], "intercom", String.raw`[\w=-]{60}`, AFTER_EQ),
  named(
    "jfrog_identity_token",
    "JFrog identity token: 64 alphanumerics assigned to a name with jfrog, artifactory, bintray or xray.",
    ["jfrog", "artifactory", "bintray", "xray"],
    "jfrog|artifactory|bintray|xray",
    "[A-Za-z0-9]{64}",
  ),
  named("kraken_access_token", "Kraken API secret: 80–90 base64 characters assigned to a name with kraken.", ["kraken"], "kraken", "[A-Za-z0-9+/=_-]{80,90}", AFTER_B64),
  named("kucoin_access_token", "KuCoin API key: 24 hex assigned to a name with kucoin.", ["kucoin"], "kucoin", "[a-f0-9]{24}"),
  named("kucoin_secret_key", "KuCoin API secret: a UUID assigned to a name with kucoin.", ["kucoin"], "kucoin", UUID),
  named(
    "launchdarkly_access_token",
    "LaunchDarkly SDK key or API access token (sdk- or api- + a UUID): 40 characters of [A-Za-z0-9_=-] assigned to a name with launchdarkly.",
    ["launchdarkly"],
    "launchdarkly",
    String.raw`[\w=-]{40}`,
    AFTER_EQ,
  ),
  named("linear_client_secret", "Linear OAuth client secret: 32 hex assigned to a name with linear.", ["linear"], "linear", "[a-f0-9]{32}"),
  named(
    "linkedin_client_secret",
    "LinkedIn OAuth client secret: 16 alphanumerics assigned to a name with linkedin (linked_in, linked-in).",
    ["linkedin", "linked_in", "linked-in"],
    "linked[_-]?in",
    "[A-Za-z0-9]{16}",
  ),
  named(
    "lob_api_key",
    "Lob secret API key: live_ or test_ + 35 hex, assigned to a name with lob where no letter stands before it (not global, blob).",
    ["lob"],
    "(?<![a-z])lob",
    "(?:live|test)_[a-f0-9]{35}",
  ),
  named("looker_client_secret", "Looker API client secret: 24 alphanumerics assigned to a name with looker.", ["looker"], "looker", "[A-Za-z0-9]{24}"),
  named(
    "mailgun_signing_key",
    "Mailgun API or webhook signing key: 32 hex + - + 8 hex + - + 8 hex, assigned to a name with mailgun.",
    ["mailgun"],
    "mailgun",
    "[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}",
  ),
  named(
    "mattermost_access_token",
    "Mattermost personal access or bot token: 26 alphanumerics assigned to a name with mattermost.",
    ["mattermost"],
    "mattermost",
    "[A-Za-z0-9]{26}",
  ),
  named(
    "messagebird_api_token",
    "MessageBird (Bird) API access key: 25 alphanumerics assigned to a name with messagebird (message_bird, message-bird).",
    ["messagebird", "message_bird", "message-bird"],
    "message[_-]?bird",
    "[A-Za-z0-9]{25}",
  ),
  named(
    "nytimes_access_token",
    "New York Times API key: 32 characters of [A-Za-z0-9_=-] assigned to a name with nytimes or newyorktimes (new_york_times, new-york-times).",
    ["nytimes", "newyorktimes", "new_york_times", "new-york-times"],
    "nytimes|new[_-]?york[_-]?times",
    String.raw`[\w=-]{32}`,
    AFTER_EQ,
  ),
  named("plaid_secret_key", "Plaid secret: 30 alphanumerics assigned to a name with plaid.", ["plaid"], "plaid", "[A-Za-z0-9]{30}"),
  named(
    "privateai_api_token",
    "Private AI API key: 32 alphanumerics assigned to a name with privateai (private_ai, private-ai).",
    ["privateai", "private_ai", "private-ai"],
    "private[_-]?ai",
    "[A-Za-z0-9]{32}",
  ),
  named("rapidapi_access_token", "RapidAPI key: 50 characters of [A-Za-z0-9_-] assigned to a name with rapidapi.", ["rapidapi"], "rapidapi", String.raw`[\w-]{50}`),
  named("sendbird_access_token", "Sendbird API token: 40 hex assigned to a name with sendbird.", ["sendbird"], "sendbird", "[a-f0-9]{40}"),
  named("sentry_legacy_token", "Sentry auth token from before the sntryu_ and sntrys_ prefixes: 64 hex assigned to a name with sentry.", ["sentry"], "sentry", "[a-f0-9]{64}"),
  named(
    "sidekiq_secret",
    "Sidekiq Pro / Enterprise gem server credentials (8 hex:8 hex) assigned to BUNDLE_ENTERPRISE__CONTRIBSYS__COM or BUNDLE_GEMS__CONTRIBSYS__COM.",
    ["bundle_enterprise__contribsys__com", "bundle_gems__contribsys__com"],
    "bundle_(?:enterprise|gems)__contribsys__com",
    "[a-f0-9]{8}:[a-f0-9]{8}",
  ),
  named(
    "snyk_api_token",
    "Snyk API or OAuth token: a UUID assigned to snyk_token, snyk_key, snyk_api_token, snyk_oauth_token and the like.",
    ["snyk"],
    String.raw`snyk[_.-]?(?:api|oauth)?[_.-]?(?:key|token)`,
    UUID,
  ),
  named(
    "sonar_api_token",
    "SonarQube / SonarCloud token: 40 characters of [A-Za-z0-9_=-], or squ_, sqp_ or sqa_ + 40, assigned to sonar_token, sonar.login, sonarqube_token and the like.",
    ["sonar"],
    "sonar(?:qube|cloud)?[_.-]?(?:login|token)",
    String.raw`(?:sq[upa]_)?[\w=-]{40}`,
    AFTER_EQ,
  ),
  named("squarespace_access_token", "Squarespace API key: a UUID assigned to a name with squarespace.", ["squarespace"], "squarespace", UUID),
  named(
    "sumologic_access_token",
    "Sumo Logic access key: 64 alphanumerics assigned to a name with sumologic, sumo_, sumo. or sumo- (not sumOfExposures).",
    ["sumo"],
    "sumo(?:logic|[_.-])",
    "[A-Za-z0-9]{64}",
  ),
  named("travisci_access_token", "Travis CI API token: 22 alphanumerics assigned to a name with travis.", ["travis"], "travis", "[A-Za-z0-9]{22}"),
  named("twitter_api_key", "X (Twitter) API key (consumer key): 25 alphanumerics assigned to a name with twitter.", ["twitter"], "twitter", "[A-Za-z0-9]{25}"),
  named("twitter_api_secret", "X (Twitter) API key secret (consumer secret): 50 alphanumerics assigned to a name with twitter.", ["twitter"], "twitter", "[A-Za-z0-9]{50}"),
  named(
    "twitter_access_token",
    "X (Twitter) access token: 15–25 digits (the user id) + - + 20–40 alphanumerics, assigned to a name with twitter.",
    ["twitter"],
    "twitter",
    String.raw`\d{15,25}-[A-Za-z0-9]{20,40}`,
  ),
  named("twitter_access_secret", "X (Twitter) access token secret: 45 alphanumerics assigned to a name with twitter.", ["twitter"], "twitter", "[A-Za-z0-9]{45}"),
  named(
    "twitter_bearer_token",
    "X (Twitter) app bearer token: 22 A + 80–100 characters of [A-Za-z0-9%], assigned to a name with twitter.",
    ["twitter"],
    "twitter",
    "A{22}[A-Za-z0-9%]{80,100}",
    String.raw`(?![\w%-])`,
  ),
  named(
    "yandex_aws_access_token",
    "Yandex Cloud static access key secret (AWS-compatible): YC + 38 characters of [A-Za-z0-9_-], assigned to a name with yandex.",
    ["yandex"],
    "yandex",
    String.raw`YC[\w-]{38}`,
  ),
  named("yandex_api_key", "Yandex Cloud API key: AQVN + 35–38 characters of [A-Za-z0-9_-], assigned to a name with yandex.", ["yandex"], "yandex", String.raw`AQVN[\w-]{35,38}`),
  named(
    "yandex_access_token",
    "Yandex Cloud IAM token: t1. + base64url + . + 86 base64url characters, assigned to a name with yandex.",
    ["yandex"],
    "yandex",
    String.raw`t1\.[\w-]{1,256}={0,2}\.[\w-]{86}={0,2}`,
    AFTER_EQ,
  ),
  named("zendesk_secret_key", "Zendesk API token: 40 alphanumerics assigned to a name with zendesk.", ["zendesk"], "zendesk", "[A-Za-z0-9]{40}"),

  // Structural secrets
  {
    id: "private_key",
    description:
      "A PEM / OpenSSH / PGP private key block: -----BEGIN <label> PRIVATE KEY[ BLOCK]----- (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP, none, …) through its END line (up to 16 KB), or the BEGIN line alone when no END follows.",
    keywords: ["private key"],
    pattern: rx(String.raw`-----BEGIN${PEM_LABEL}-----[A-Za-z0-9+/=\s:,.\\-]{1,16384}?-----END${PEM_LABEL}-----|-----BEGIN${PEM_LABEL}-----`),
  },
  {
    id: "jwt",
    description: 'A JSON Web Token: three base64url parts joined by dots, the first (eyJ…) decoding to a JSON header with a string "alg".',
    keywords: ["eyj"],
    pattern: rx(String.raw`${BEFORE}eyJ[\w-]{10,4096}\.[\w-]{2,16384}\.[\w-]*`),
    validate: isJwt,
  },
  {
    id: "jwt_base64",
    description: "A JSON Web Token encoded once more in base64 (ZXlK…, the base64 of eyJ): it decodes to a JWT whose header is JSON with a string alg.",
    keywords: ["zxlk"],
    pattern: rx(String.raw`${BEFORE_B64}ZXlK[A-Za-z0-9+/]{40,16384}={0,2}${AFTER_B64}`),
    validate: isBase64Jwt,
  },
  connection("postgres_url_password", "PostgreSQL", "postgres[ql][+driver]", String.raw`postgres(?:ql)?\+?[a-z0-9]{0,20}`, ["postgres"]),
  connection("mysql_url_password", "MySQL / MariaDB", "mysql|mariadb[+driver]", String.raw`(?:mysql|mariadb)\+?[a-z0-9]{0,20}`, ["mysql", "mariadb"]),
  connection("mongodb_url_password", "MongoDB", "mongodb[+srv]", String.raw`mongodb(?:\+srv)?`, ["mongodb"]),
  connection("redis_url_password", "Redis", "redis|rediss", "rediss?", ["redis"]),
  connection("amqp_url_password", "AMQP (RabbitMQ)", "amqp|amqps", "amqps?", ["amqp"]),
  connection("url_password", "URL of any other scheme (http, ftp, smtp, ldap, …)", "scheme", String.raw`[a-z][a-z0-9+.-]{1,30}`, ["://"]),
  {
    id: "connection_string_password",
    description: "The value of Password= or Pwd= in an ADO.NET / ODBC / JDBC connection string or a query string (…;Password=…; ?password=…&); placeholders are not findings.",
    keywords: ["password", "pwd"],
    pattern: rx(String.raw`(?<![\w-])(?:password|pwd)[ \t]{0,2}=[ \t]{0,2}([^;&\s"'<>]{1,256})`, "gi"),
    group: 1,
    validate: notPlaceholder,
  },
  {
    id: "sidekiq_sensitive_url",
    description: "Sidekiq Pro / Enterprise gem server URL with its credentials: the <8 hex>:<8 hex> of https://…@gems.contribsys.com or enterprise.contribsys.com.",
    keywords: ["contribsys.com"],
    pattern: rx(String.raw`\bhttps?://([a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com(?![\w.-])`, "gi"),
    group: 1,
  },
  {
    id: "curl_auth_header",
    description:
      "The credential of an Authorization header (Basic, Bearer, Token, … or none) or of a header named …Key or …Token, given on a command line with -H or --header (curl, wget): 8 or more characters with a digit; placeholders are not findings.",
    keywords: ["authorization:", "key:", "token:"],
    pattern: rx(
      String.raw`${BEFORE}(?:-H|--header)(?:=|[ \t]{1,5})["']?(?:Authorization:[ \t]{0,5}(?:Basic|Bearer|Token|Api-Token|Bot|Digest|Negotiate)?|[A-Za-z-]{0,30}(?:Key|Token):)[ \t]{0,5}([\w=~@.+/-]{8,1024})(?![\w=~@.+/-])`,
      "gi",
    ),
    group: 1,
    validate: headerCredentialValid,
  },
  {
    id: "curl_auth_user",
    description:
      "The password of curl -u or --user user:password, within 512 characters after curl and before the next (continuation lines included); placeholders ($VAR, <…>, [PASSWORD], a lone word such as pass or test) are not findings.",
    keywords: ["curl"],
    pattern: rx(String.raw`\bcurl\b(?:[^c]|c(?!url)){0,512}?[ \t\r\n](?:-u|--user)(?:=|[ \t]{1,5})["']?[^\s:"'\x60<>]{0,64}["']?:["']?([^\s"'\x60<>]{3,128})`),
    group: 1,
    validate: passwordValid,
  },
  {
    id: "password_assignment",
    description:
      'A password in a double-quoted literal assigned with = to a name ending in password: Terraform and HCL (password = "…", administrator_login_password = "…") and the same in code; 8–64 characters, two kinds of character; placeholders are not findings.',
    keywords: ["password"],
    pattern: rx(String.raw`password[ \t]{0,16}=[ \t]{0,4}"([^\s"'\x60\\$<>{}]{8,64})"`, "gi"),
    group: 1,
    validate: passwordValid,
  },
  {
    id: "nuget_config_password",
    description:
      'The password of a NuGet.config package source: the value="…" of an add element with key="Password" (or "ClearTextPassword"); placeholders and %VARIABLE% are not findings.',
    keywords: ["<add key="],
    pattern: rx(String.raw`<add key=["'](?:ClearText)?Password["'][ \t]{1,8}value=["']([^"'\r\n]{1,256})["']`, "gi"),
    group: 1,
    validate: passwordValid,
  },
  {
    id: "freemius_secret_key",
    description: "Freemius SDK secret key in a PHP array: 'secret_key' => 'sk_ + 29 characters'.",
    keywords: ["secret_key"],
    pattern: rx(String.raw`["']secret_key["'][ \t]{0,8}=>[ \t]{0,8}["'](sk_[^\s"']{29})["']`, "gi"),
    group: 1,
  },
  {
    id: "kubernetes_secret_data",
    description:
      "A Kubernetes Secret's first data value (10 or more base64 characters) in a manifest where kind: Secret comes first and data: follows within 1,024 characters of the same document.",
    keywords: ["secret"],
    pattern: rx(String.raw`${K8S_KIND_SECRET}[ \t]{0,4}\r?\n${sameDocumentBefore("kind:")}${K8S_DATA_VALUE}`),
    group: 1,
  },
  {
    id: "kubernetes_secret_data_kubectl",
    description:
      "A Kubernetes Secret's first data value (10 or more base64 characters) where data: comes first, as kubectl prints it, and kind: Secret follows within 1,024 characters of the same document.",
    keywords: ["secret"],
    pattern: rx(String.raw`${K8S_DATA_VALUE}${sameDocumentBefore("data:")}${K8S_KIND_SECRET}(?![\w-])`),
    group: 1,
  },
  HIGH_ENTROPY_SECRET,
];
