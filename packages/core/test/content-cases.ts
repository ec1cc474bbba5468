// The true positives and near misses of every content detector (docs/content-detectors.md), with the
// fake values they are made of: content-detectors.test.ts checks the TypeScript detectors against them,
// and scripts/content-python.ts records what the TypeScript screen answers for each, for the Python SDK's
// twin to answer alike (packages/sdk-python/tests/test_screen.py). Fake secrets are built at runtime from a
// seeded generator, so no complete secret-shaped literal sits in this file for a scanner to flag, and every
// run (and every importer) builds the same values.

// ── Fake values ─────────────────────────────────────────────────────────────────────────────────

export const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LOWER = "abcdefghijklmnopqrstuvwxyz";
export const DIGITS = "0123456789";
export const LETTERS = UPPER + LOWER;
export const ALNUM = LETTERS + DIGITS;
export const UP_ALNUM = UPPER + DIGITS;
export const LOW_ALNUM = LOWER + DIGITS;
export const HEX = "0123456789abcdef";
export const B64 = ALNUM + "+/";
export const URLSAFE = ALNUM + "_-";
export const B32 = UPPER + "234567";
export const BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

/** mulberry32: a seeded generator, so every run builds the same fake values. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const next = seeded(20261123);
/** `length` characters drawn from `alphabet`. */
export const r = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
export const uuid = () => `${r(HEX, 8)}-${r(HEX, 4)}-4${r(HEX, 3)}-a${r(HEX, 3)}-${r(HEX, 12)}`;
export const password = () => `${r(ALNUM, 14)}!${r(DIGITS, 2)}`;

// ── Independent check-digit makers (not the detectors' own code) ────────────────────────────────

export function luhnDigit(body: string): string {
  for (let d = 0; d <= 9; d++) {
    const digits = body + d;
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let v = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return String(d);
  }
  throw new Error("unreachable");
}
export const withLuhn = (body: string) => body + luhnDigit(body);
export const breakLast = (digits: string) => digits.slice(0, -1) + String((Number(digits.at(-1)) + 1) % 10);

export function verhoeffDigit(body: string): string {
  const d = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
  ];
  const p = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 7, 6, 0, 8],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
  ];
  for (let candidate = 0; candidate <= 9; candidate++) {
    const digits = body + candidate;
    let c = 0;
    for (let i = 0; i < digits.length; i++) c = d[c]![p[i % 8]![Number(digits[digits.length - 1 - i])]!]!;
    if (c === 0) return String(candidate);
  }
  throw new Error("unreachable");
}

/** IBAN check digits by ISO 7064 MOD 97-10, with BigInt. */
export function iban(country: string, bban: string): string {
  const numeric = (bban + country + "00").replace(/[A-Z]/g, (char) => String(char.charCodeAt(0) - 55));
  const check = 98n - (BigInt(numeric) % 97n);
  return country + String(check).padStart(2, "0") + bban;
}
export const printIban = (compact: string) => compact.replace(/(.{4})(?!$)/g, "$1 ");

export function nir(body13: string): string {
  const key = 97n - (BigInt(body13.replace("2A", "19").replace("2B", "18")) % 97n);
  return body13 + String(key).padStart(2, "0");
}

export function steuerId(body10: string): string {
  let product = 10;
  for (const char of body10) {
    let sum = (Number(char) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  return body10 + String((11 - product) % 10);
}

export function cpf(body9: string): string {
  const digit = (digits: string) => {
    const sum = [...digits].reduce((total, char, i) => total + Number(char) * (digits.length + 1 - i), 0);
    const rest = (sum * 10) % 11;
    return String(rest === 10 ? 0 : rest);
  };
  const first = digit(body9);
  const both = body9 + first + digit(body9 + first);
  return `${both.slice(0, 3)}.${both.slice(3, 6)}.${both.slice(6, 9)}-${both.slice(9)}`;
}

export function codiceFiscale(body15: string): string {
  const odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
  let sum = 0;
  [...body15].forEach((char, i) => {
    const index = /\d/.test(char) ? Number(char) : char.charCodeAt(0) - 65;
    sum += i % 2 === 0 ? odd[index]! : index;
  });
  return body15 + String.fromCharCode(65 + (sum % 26));
}

export const dniLetter = (number: number) => "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23]!;

/** Runtime assembly of PEM armour, so this file holds no literal key header. */
export const pem = (edge: "BEGIN" | "END", label: string) => `-----${edge} ${label}${label ? " " : ""}PRIVATE KEY-----`;
export const pemBlock = (label: string) => `${pem("BEGIN", label)}\n${r(B64, 64)}\n${r(B64, 64)}\n${r(B64, 20)}==\n${pem("END", label)}`;
export const b64url = (json: string) => Buffer.from(json).toString("base64url");
export const jwt = (header: object) => `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify({ sub: "agt_1", iat: 1700000000 }))}.${r(URLSAFE, 43)}`;

// ── The table ───────────────────────────────────────────────────────────────────────────────────

/** A US National Provider Identifier: 9 digits and the Luhn digit of 80840 and them. */
export const npi = (body9: string) => body9 + luhnDigit(`80840${body9}`);
/** A DEA registration number: two letters, 6 digits and (d1 + d3 + d5 + 2·(d2 + d4 + d6)) mod 10. */
export function dea(letters: string, body6: string): string {
  const d = [...body6].map(Number) as [number, number, number, number, number, number];
  return `${letters}${body6}${(d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10}`;
}

export interface Sample {
  text: string;
  /** The sensitive value, found once in `text`. */
  value: string;
  key?: string;
}
export interface NearMiss {
  text: string;
  key?: string;
}
export interface Case {
  id: string;
  tp: Sample[];
  fp: Array<string | NearMiss>;
}

export const plain = (value: string): Sample => ({ text: `deploy with ${value} now`, value });
export const json = (value: string): Sample => ({ text: `{"value":"${value}"}`, value });
export const env = (name: string, value: string): Sample => ({ text: `${name}=${value}`, value });
export const jsonKey = (name: string, value: string): Sample => ({ text: `{"${name}": "${value}"}`, value });
export const inText = (text: string, value: string): Sample => ({ text, value });

/** A prefixed token: once bare in prose, once as a JSON value; near misses as given. */
export const prefixed = (id: string, make: () => string, fp: Array<string | NearMiss>): Case => ({ id, tp: [plain(make()), json(make())], fp });

/**
 * A key named by its provider (a near-keyword rule), written the three common ways: an environment
 * assignment (`HUBSPOT_API_KEY=…`), a JSON member (`"hubspot_token": "…"`) and a dotted YAML key
 * (`hubspot.key: …`), the names made from `word` unless `names` gives them. Near misses: the name with a
 * value one character short, the same kind of value under a name without the provider's, and `fp`.
 */
export function named(id: string, word: string, make: () => string, more: { fp?: Array<string | NearMiss>; tp?: Sample[]; names?: readonly [string, string, string] } = {}): Case {
  const [envName, jsonName, yamlName] = more.names ?? [`${word.toUpperCase()}_API_KEY`, `${word}_token`, `${word}.key`];
  const value = make();
  return {
    id,
    tp: [env(envName, make()), jsonKey(jsonName, make()), inText(`${yamlName}: ${value}`, value), ...(more.tp ?? [])],
    fp: [`${envName}=${make().slice(0, -1)}`, `note: ${make()}`, ...(more.fp ?? [])],
  };
}

export const CASES: Case[] = [
  // Cloud
  {
    id: "aws_access_key_id",
    tp: [plain(`AKIA${r(B32, 16)}`), json(`ASIA${r(B32, 16)}`)],
    fp: [`AKIA${r(B32, 15)}`, `AKIA${"IOSFODNN7"}${"EXAMPLE"}`, `AKIB${r(B32, 16)}`],
  },
  {
    id: "aws_secret_access_key",
    tp: [env("AWS_SECRET_ACCESS_KEY", r(B64, 40)), jsonKey("secretAccessKey", r(B64, 40))],
    fp: [`AWS_SECRET_ACCESS_KEY=${r(B64, 39)}`, `aws_secret_access_key = ${"wJalrXUtnFEMI/K7MDENG/bPxRfiCY"}${"EXAMPLEKEY"}`, `note: ${r(B64, 40)}`],
  },
  prefixed("google_api_key", () => `AIza${r(URLSAFE, 35)}`, [`AIza${r(URLSAFE, 34)}`]),
  {
    id: "gcp_service_account_key_id",
    tp: [
      inText(`{"type":"service_account","private_key_id":"${"5a1f".repeat(10)}"}`, "5a1f".repeat(10)),
      (() => {
        const id = r(HEX, 40);
        return inText(`"private_key_id": "${id}",`, id);
      })(),
    ],
    fp: [`"private_key_id": "${r(HEX, 39)}"`],
  },
  prefixed("google_oauth_client_secret", () => `GOCSPX-${r(URLSAFE, 28)}`, [`GOCSPX-${r(URLSAFE, 27)}`]),
  prefixed("google_oauth_access_token", () => `ya29.${r(URLSAFE, 60)}`, [`ya29.${r(URLSAFE, 20)}`]),
  {
    id: "azure_storage_account_key",
    tp: [
      (() => {
        const key = `${r(B64, 86)}==`;
        return inText(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net`, key);
      })(),
      (() => {
        const key = `${r(B64, 86)}==`;
        return inText(`accountkey=${key}`, key);
      })(),
    ],
    fp: [`AccountKey=${r(B64, 85)}==`],
  },
  {
    id: "azure_shared_access_key",
    tp: [
      (() => {
        const key = `${r(B64, 43)}=`;
        return inText(`Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${key}`, key);
      })(),
      (() => {
        const key = `${r(B64, 43)}=`;
        return inText(`HostName=hub.azure-devices.net;DeviceId=d1;SharedAccessKey=${key}`, key);
      })(),
    ],
    fp: [`SharedAccessKey=${r(B64, 42)}=`],
  },
  {
    id: "azure_sas_signature",
    tp: [
      (() => {
        const sig = `${r(ALNUM, 43)}%3D`;
        return inText(`https://acct.blob.core.windows.net/c/b?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-01-01T00:00:00Z&spr=https&sig=${sig}`, sig);
      })(),
      (() => {
        const sig = `${r(ALNUM, 43)}%3D`;
        return inText(`?sv=2021-06-08&sr=b&sig=${sig}&sp=r`, sig);
      })(),
    ],
    fp: [`?sp=r&sig=${r(ALNUM, 43)}%3D`, `?sv=2022-11-02&sig=short`],
  },
  prefixed("azure_ad_client_secret", () => `${r(ALNUM, 3)}8Q~${r(ALNUM, 34)}`, [`${r(ALNUM, 3)}8Q~${r(ALNUM, 20)}`]),
  prefixed("digitalocean_pat", () => `dop_v1_${r(HEX, 64)}`, [`dop_v1_${r(HEX, 63)}`]),
  prefixed("digitalocean_oauth_token", () => `doo_v1_${r(HEX, 64)}`, [`doo_v1_${r(HEX, 63)}`]),
  prefixed("digitalocean_refresh_token", () => `dor_v1_${r(HEX, 64)}`, [`dor_v1_${r(HEX, 63)}`]),
  prefixed("heroku_api_key", () => `HRKU-AA${r(URLSAFE, 58)}`, [`HRKU-AA${r(URLSAFE, 57)}`]),
  {
    id: "heroku_api_key_legacy",
    tp: [env("HEROKU_API_KEY", uuid()), jsonKey("herokuApiKey", uuid())],
    fp: ["HEROKU_APP_NAME=my-app", `HEROKU_API_KEY=${uuid().slice(0, -1)}`],
  },
  prefixed("alibaba_access_key_id", () => `LTAI${r(ALNUM, 20)}`, [`LTAI${r(ALNUM, 10)}`]),
  {
    id: "alibaba_access_key_secret",
    tp: [env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", r(ALNUM, 30)), jsonKey("accessKeySecret", r(ALNUM, 30))],
    fp: ["ALIBABA_REGION=cn-hangzhou", `ALIBABA_CLOUD_ACCESS_KEY_SECRET=${r(ALNUM, 29)}`],
  },
  {
    id: "cloudflare_api_token",
    tp: [env("CLOUDFLARE_API_TOKEN", r(URLSAFE, 40)), jsonKey("cloudflareToken", r(URLSAFE, 40))],
    fp: ["CLOUDFLARE_ZONE=example.com", `CLOUDFLARE_API_TOKEN=${r(URLSAFE, 39)}`],
  },
  {
    id: "cloudflare_global_api_key",
    tp: [env("CLOUDFLARE_API_KEY", r(HEX, 37)), jsonKey("cf_api_key", r(HEX, 37))],
    fp: [`CLOUDFLARE_API_KEY=${r(HEX, 36)}`],
  },
  prefixed("cloudflare_origin_ca_key", () => `v1.0-${r(HEX, 24)}-${r(HEX, 146)}`, [`v1.0-${r(HEX, 24)}-${r(HEX, 145)}`]),

  // Source hosting and packages
  prefixed("github_token", () => `ghp_${r(ALNUM, 36)}`, [`ghp_${r(ALNUM, 35)}`, "ghp_xxxxxxxxxxxxxxxx", `ghx_${r(ALNUM, 36)}`]),
  prefixed("github_oauth_token", () => `gho_${r(ALNUM, 36)}`, [`gho_${r(ALNUM, 37)}`]),
  prefixed("github_user_token", () => `ghu_${r(ALNUM, 36)}`, [`ghu_${r(ALNUM, 30)}`]),
  prefixed("github_app_token", () => `ghs_${r(ALNUM, 36)}`, [`ghs_${r(ALNUM, 35)}`]),
  prefixed("github_refresh_token", () => `ghr_${r(ALNUM, 36)}`, [`ghr_${r(ALNUM, 35)}`]),
  prefixed("github_fine_grained_token", () => `github_pat_${r(ALNUM, 22)}_${r(ALNUM, 59)}`, [`github_pat_${r(ALNUM, 22)}_${r(ALNUM, 58)}`]),
  {
    id: "gitlab_pat",
    tp: [plain(`glpat-${r(URLSAFE, 20)}`), json(`glpat-${r(URLSAFE, 40)}.${r(LOW_ALNUM, 9)}`)],
    fp: [`glpat-${r(URLSAFE, 19)}`, "glpat-xxxx"],
  },
  prefixed("gitlab_deploy_token", () => `gldt-${r(URLSAFE, 20)}`, [`gldt-${r(URLSAFE, 19)}`]),
  {
    id: "gitlab_runner_token",
    tp: [plain(`glrt-${r(URLSAFE, 20)}`), json(`glrt-t1_${r(URLSAFE, 40)}.${r(LOW_ALNUM, 9)}`)],
    fp: [`glrt-${r(URLSAFE, 19)}`],
  },
  prefixed("gitlab_runner_registration_token", () => `GR1348941${r(URLSAFE, 20)}`, [`GR1348941${r(URLSAFE, 19)}`]),
  prefixed("gitlab_pipeline_trigger_token", () => `glptt-${r(HEX, 40)}`, [`glptt-${r(HEX, 39)}`]),
  prefixed("gitlab_ci_job_token", () => `glcbt-${r(ALNUM, 2)}_${r(URLSAFE, 20)}`, [`glcbt-${r(ALNUM, 2)}_${r(URLSAFE, 19)}`]),
  prefixed("gitlab_oauth_app_secret", () => `gloas-${r(URLSAFE, 64)}`, [`gloas-${r(URLSAFE, 63)}`]),
  prefixed("gitlab_feed_token", () => `glft-${r(URLSAFE, 20)}`, [`glft-${r(URLSAFE, 19)}`]),
  prefixed("gitlab_incoming_mail_token", () => `glimt-${r(URLSAFE, 25)}`, [`glimt-${r(URLSAFE, 24)}`]),
  prefixed("gitlab_agent_token", () => `glagent-${r(URLSAFE, 50)}`, [`glagent-${r(URLSAFE, 49)}`]),
  prefixed("gitlab_scim_token", () => `glsoat-${r(URLSAFE, 20)}`, [`glsoat-${r(URLSAFE, 19)}`]),
  prefixed("gitlab_feature_flags_token", () => `glffct-${r(URLSAFE, 20)}`, [`glffct-${r(URLSAFE, 19)}`]),
  prefixed("atlassian_api_token", () => `ATATT3${r(URLSAFE, 186)}`, [`ATATT3${r(URLSAFE, 185)}`]),
  prefixed("bitbucket_app_password", () => `ATBB${r(ALNUM, 32)}`, [`ATBB${r(ALNUM, 20)}`]),
  prefixed("npm_token", () => `npm_${r(ALNUM, 36)}`, [`npm_${r(ALNUM, 35)}`]),
  {
    id: "pypi_token",
    tp: [plain(`pypi-AgEIcHlwaS5vcmc${r(URLSAFE, 120)}`), json(`pypi-AgENdGVzdC5weXBpLm9yZw${r(URLSAFE, 100)}`)],
    fp: [`pypi-AgEIcHlwaS5vcmc${r(URLSAFE, 30)}`, `pypi-${r(URLSAFE, 120)}`],
  },
  prefixed("rubygems_api_key", () => `rubygems_${r(HEX, 48)}`, [`rubygems_${r(HEX, 47)}`]),
  prefixed("docker_hub_pat", () => `dckr_pat_${r(URLSAFE, 27)}`, [`dckr_pat_${r(URLSAFE, 26)}`]),
  prefixed("jfrog_api_key", () => `AKCp${r(ALNUM, 69)}`, [`AKCp${r(ALNUM, 68)}`]),
  prefixed("jfrog_reference_token", () => `cmVmd${r(ALNUM, 59)}`, [`cmVmd${r(ALNUM, 58)}`]),
  {
    id: "sourcegraph_access_token",
    tp: [plain(`sgp_${r(HEX, 40)}`), json(`sgp_${r(HEX, 16)}_${r(HEX, 40)}`)],
    fp: [`sgp_${r(HEX, 39)}`],
  },
  prefixed("aws_bedrock_api_key", () => `ABSK${r(B64, 130)}`, [`ABSK${r(B64, 60)}`]),
  prefixed("adobe_client_secret", () => `p8e-${r(ALNUM, 32)}`, [`p8e-${r(ALNUM, 31)}`]),
  prefixed("clickhouse_cloud_secret", () => `4b1d${r(ALNUM, 38)}`, [`4b1d${r(ALNUM, 37)}`]),
  {
    id: "settlemint_token",
    tp: [plain(`sm_pat_${r(ALNUM, 16)}`), json(`sm_aat_${r(ALNUM, 16)}`)],
    fp: [`sm_pat_${r(ALNUM, 15)}`],
  },
  prefixed("intra42_client_secret", () => `s-s4t2ud-${r(HEX, 64)}`, [`s-s4t2ud-${r(HEX, 63)}`]),
  prefixed("clojars_token", () => `CLOJARS_${r(LOW_ALNUM, 60)}`, [`CLOJARS_${r(LOW_ALNUM, 59)}`]),

  // Payments and commerce
  {
    id: "stripe_secret_key",
    tp: [plain(`sk_live_${r(ALNUM, 24)}`), json(`sk_test_${r(ALNUM, 99)}`)],
    fp: [`sk_live_${r(ALNUM, 23)}`, "sk_live_xxxx", `sk_prod_${r(ALNUM, 24)}`],
  },
  prefixed("stripe_restricted_key", () => `rk_live_${r(ALNUM, 30)}`, [`rk_live_${r(ALNUM, 20)}`]),
  prefixed("stripe_publishable_key", () => `pk_test_${r(ALNUM, 30)}`, [`pk_test_${r(ALNUM, 20)}`]),
  prefixed("stripe_webhook_secret", () => `whsec_${r(ALNUM, 32)}`, [`whsec_${r(ALNUM, 31)}`]),
  {
    id: "square_access_token",
    tp: [plain(`EAAA${r(URLSAFE, 60)}`), json(`sq0atp-${r(URLSAFE, 22)}`)],
    fp: [`EAAA${r(URLSAFE, 59)}`],
  },
  prefixed("square_oauth_secret", () => `sq0csp-${r(URLSAFE, 43)}`, [`sq0csp-${r(URLSAFE, 42)}`]),
  {
    id: "braintree_access_token",
    tp: [plain(`access_token$production$${r(LOW_ALNUM, 16)}$${r(HEX, 32)}`), json(`access_token$sandbox$${r(LOW_ALNUM, 16)}$${r(HEX, 32)}`)],
    fp: [`access_token$production$${r(LOW_ALNUM, 15)}$${r(HEX, 32)}`],
  },
  prefixed("shopify_access_token", () => `shpat_${r(HEX, 32)}`, [`shpat_${r(HEX, 31)}`]),
  prefixed("shopify_shared_secret", () => `shpss_${r(HEX, 32)}`, [`shpss_${r(HEX, 31)}`]),
  prefixed("shopify_custom_app_token", () => `shpca_${r(HEX, 32)}`, [`shpca_${r(HEX, 31)}`]),
  prefixed("shopify_private_app_token", () => `shppa_${r(HEX, 32)}`, [`shppa_${r(HEX, 31)}`]),
  {
    id: "plaid_access_token",
    tp: [plain(`access-sandbox-${uuid()}`), json(`access-production-${uuid()}`)],
    fp: [`access-staging-${uuid()}`],
  },
  {
    id: "flutterwave_secret_key",
    tp: [plain(`FLWSECK_TEST-${r(HEX, 32)}-X`), json(`FLWSECK-${r(HEX, 32)}-X`)],
    fp: [`FLWSECK_TEST-${r(HEX, 32)}`],
  },
  prefixed("shippo_api_token", () => `shippo_live_${r(HEX, 40)}`, [`shippo_live_${r(HEX, 39)}`]),
  {
    id: "easypost_api_key",
    tp: [plain(`EZAK${r(ALNUM, 54)}`), json(`EZTK${r(ALNUM, 54)}`)],
    fp: [`EZAK${r(ALNUM, 53)}`],
  },
  prefixed("duffel_api_token", () => `duffel_test_${r(URLSAFE, 43)}`, [`duffel_test_${r(URLSAFE, 42)}`]),

  // Messaging, chat and email
  prefixed("slack_bot_token", () => `xoxb-${r(DIGITS, 12)}-${r(DIGITS, 13)}-${r(ALNUM, 24)}`, [`xoxb-${r(DIGITS, 12)}-${r(DIGITS, 13)}-${r(ALNUM, 23)}`]),
  prefixed("slack_user_token", () => `xoxp-${r(DIGITS, 12)}-${r(DIGITS, 12)}-${r(DIGITS, 13)}-${r(ALNUM, 32)}`, [`xoxp-${r(DIGITS, 12)}-${r(ALNUM, 32)}`]),
  prefixed("slack_app_token", () => `xapp-1-A${r(UP_ALNUM, 10)}-${r(DIGITS, 13)}-${r(HEX, 64)}`, [`xapp-1-A${r(UP_ALNUM, 10)}-${r(DIGITS, 13)}-${r(HEX, 63)}`]),
  prefixed("slack_config_access_token", () => `xoxe.xoxp-1-${r(UP_ALNUM, 164)}`, [`xoxe.xoxp-1-${r(UP_ALNUM, 100)}`]),
  prefixed("slack_config_refresh_token", () => `xoxe-1-${r(UP_ALNUM, 146)}`, [`xoxe-1-${r(UP_ALNUM, 145)}`]),
  {
    id: "slack_legacy_workspace_token",
    tp: [plain(`xoxa-2-${r(ALNUM, 30)}`), json(`xoxr-${r(ALNUM, 40)}`)],
    fp: [`xoxa-${r(ALNUM, 5)}`],
  },
  prefixed("slack_legacy_bot_token", () => `xoxb-${r(DIGITS, 11)}-${r(ALNUM, 24)}`, [`xoxb-${r(DIGITS, 11)}-${r(ALNUM, 12)}`]),
  prefixed("slack_legacy_token", () => `xoxs-${r(DIGITS, 10)}-${r(DIGITS, 11)}-${r(DIGITS, 12)}-${r(HEX, 64)}`, [`xoxs-${r(DIGITS, 10)}-${r(HEX, 64)}`]),
  prefixed("slack_webhook_url", () => `https://hooks.slack.com/services/T${r(UP_ALNUM, 8)}/B${r(UP_ALNUM, 8)}/${r(ALNUM, 24)}`, [
    "https://hooks.slack.com/services/T000/B000/short",
  ]),
  {
    id: "discord_bot_token",
    tp: [env("DISCORD_BOT_TOKEN", `M${r(URLSAFE, 23)}.${r(URLSAFE, 6)}.${r(URLSAFE, 27)}`), jsonKey("discordToken", `N${r(URLSAFE, 25)}.${r(URLSAFE, 6)}.${r(URLSAFE, 38)}`)],
    fp: [`DISCORD_BOT_TOKEN=A${r(URLSAFE, 23)}.${r(URLSAFE, 6)}.${r(URLSAFE, 27)}`],
  },
  prefixed("discord_webhook_url", () => `https://discord.com/api/webhooks/${r(DIGITS, 18)}/${r(URLSAFE, 68)}`, [
    `https://discord.com/api/webhooks/${r(DIGITS, 18)}/${r(URLSAFE, 40)}`,
  ]),
  prefixed("telegram_bot_token", () => `${r(DIGITS, 10)}:AA${r(URLSAFE, 33)}`, [`${r(DIGITS, 10)}:AA${r(URLSAFE, 32)}`, `${r(DIGITS, 10)}:AB${r(URLSAFE, 33)}`]),
  prefixed("microsoft_teams_webhook", () => `https://contoso.webhook.office.com/webhookb2/${uuid()}@${uuid()}/IncomingWebhook/${r(HEX, 32)}/${uuid()}`, [
    `https://contoso.webhook.office.com/webhookb2/${uuid()}@${uuid()}/IncomingWebhook/${r(HEX, 31)}/${uuid()}`,
  ]),
  prefixed("twilio_api_key", () => `SK${r(HEX, 32)}`, [`SK${r(HEX, 31)}`, `SK${r(UP_ALNUM, 32)}`]),
  prefixed("sendgrid_api_key", () => `SG.${r(URLSAFE, 22)}.${r(URLSAFE, 43)}`, [`SG.${r(URLSAFE, 22)}.${r(URLSAFE, 42)}`]),
  prefixed("mailgun_api_key", () => `key-${r(HEX, 32)}`, [`key-${r(HEX, 31)}`]),
  {
    id: "mailchimp_api_key",
    tp: [plain(`${r(HEX, 32)}-us21`), json(`${r(HEX, 32)}-us6`)],
    fp: [`${r(HEX, 32)}-eu1`],
  },
  prefixed("brevo_api_key", () => `xkeysib-${r(HEX, 64)}-${r(ALNUM, 16)}`, [`xkeysib-${r(HEX, 64)}-${r(ALNUM, 15)}`]),

  // Model providers
  {
    id: "openai_project_key",
    tp: [plain(`sk-proj-${r(URLSAFE, 156)}`), json(`sk-proj-${r(URLSAFE, 48)}`)],
    fp: ["sk-proj-...xxxx", `sk-proj-${r(URLSAFE, 20)}`],
  },
  prefixed("openai_service_account_key", () => `sk-svcacct-${r(URLSAFE, 156)}`, [`sk-svcacct-${r(URLSAFE, 30)}`]),
  prefixed("openai_admin_key", () => `sk-admin-${r(URLSAFE, 156)}`, [`sk-admin-${r(URLSAFE, 30)}`]),
  prefixed("openai_api_key", () => `sk-${r(ALNUM, 20)}T3BlbkFJ${r(ALNUM, 20)}`, [`sk-${r(ALNUM, 48)}`, "sk-...xxxx", `sk-${r(ALNUM, 20)}T3BlbkFJ${r(ALNUM, 19)}`]),
  prefixed("anthropic_api_key", () => `sk-ant-api03-${r(URLSAFE, 93)}AA`, [`sk-ant-api03-${r(URLSAFE, 92)}AA`, "sk-ant-api03-...xxxx"]),
  prefixed("anthropic_admin_key", () => `sk-ant-admin01-${r(URLSAFE, 93)}AA`, [`sk-ant-admin01-${r(URLSAFE, 93)}AB`]),
  prefixed("huggingface_token", () => `hf_${r(LETTERS, 34)}`, [`hf_${r(LETTERS, 33)}`]),
  prefixed("huggingface_org_token", () => `api_org_${r(LETTERS, 34)}`, [`api_org_${r(LETTERS, 33)}`]),
  prefixed("groq_api_key", () => `gsk_${r(ALNUM, 52)}`, [`gsk_${r(ALNUM, 51)}`]),
  prefixed("replicate_api_token", () => `r8_${r(ALNUM, 37)}`, [`r8_${r(ALNUM, 36)}`]),
  {
    id: "cohere_api_key",
    tp: [env("COHERE_API_KEY", r(ALNUM, 40)), jsonKey("cohereKey", r(ALNUM, 40))],
    fp: [`COHERE_API_KEY=${r(ALNUM, 39)}`],
  },
  {
    id: "mistral_api_key",
    tp: [env("MISTRAL_API_KEY", r(ALNUM, 32)), jsonKey("mistralKey", r(ALNUM, 32))],
    fp: [`MISTRAL_API_KEY=${r(ALNUM, 31)}`, "MISTRAL_MODEL=mistral-large-latest"],
  },
  prefixed("perplexity_api_key", () => `pplx-${r(ALNUM, 48)}`, [`pplx-${r(ALNUM, 47)}`]),
  prefixed("xai_api_key", () => `xai-${r(ALNUM, 80)}`, [`xai-${r(ALNUM, 79)}`]),
  {
    id: "langsmith_api_key",
    tp: [plain(`lsv2_pt_${r(HEX, 32)}_${r(HEX, 10)}`), json(`lsv2_sk_${r(HEX, 32)}_${r(HEX, 10)}`)],
    fp: [`lsv2_xx_${r(HEX, 32)}_${r(HEX, 10)}`],
  },
  prefixed("openrouter_api_key", () => `sk-or-v1-${r(HEX, 64)}`, [`sk-or-v1-${r(HEX, 63)}`]),

  // Developer platforms and SaaS
  prefixed("linear_api_key", () => `lin_api_${r(ALNUM, 40)}`, [`lin_api_${r(ALNUM, 39)}`]),
  {
    id: "notion_token",
    tp: [plain(`ntn_${r(DIGITS, 11)}${r(ALNUM, 35)}`), json(`secret_${r(ALNUM, 43)}`)],
    fp: [`secret_${r(ALNUM, 42)}`, `ntn_${r(ALNUM, 46)}`],
  },
  { id: "vercel_token", tp: [env("VERCEL_TOKEN", r(ALNUM, 24)), jsonKey("vercelToken", r(ALNUM, 24))], fp: [`VERCEL_TOKEN=${r(ALNUM, 23)}`] },
  { id: "netlify_token", tp: [env("NETLIFY_AUTH_TOKEN", r(URLSAFE, 43)), jsonKey("netlifyToken", r(URLSAFE, 40))], fp: [`NETLIFY_AUTH_TOKEN=${r(URLSAFE, 30)}`] },
  prefixed("postman_api_key", () => `PMAK-${r(HEX, 24)}-${r(HEX, 34)}`, [`PMAK-${r(HEX, 24)}-${r(HEX, 33)}`]),
  {
    id: "databricks_token",
    tp: [plain(`dapi${r(HEX, 32)}`), json(`dapi${r(HEX, 32)}-2`)],
    fp: [`dapi${r(HEX, 31)}`],
  },
  {
    id: "doppler_token",
    tp: [plain(`dp.pt.${r(ALNUM, 43)}`), json(`dp.st.${r(ALNUM, 43)}`)],
    fp: [`dp.xx.${r(ALNUM, 43)}`, `dp.pt.${r(ALNUM, 30)}`],
  },
  prefixed("vault_service_token", () => `hvs.${r(URLSAFE, 95)}`, [`hvs.${r(URLSAFE, 50)}`]),
  prefixed("vault_batch_token", () => `hvb.${r(URLSAFE, 150)}`, [`hvb.${r(URLSAFE, 100)}`]),
  prefixed("terraform_cloud_token", () => `${r(ALNUM, 14)}.atlasv1.${r(URLSAFE, 67)}`, [`${r(ALNUM, 14)}.atlasv1.${r(URLSAFE, 40)}`]),
  prefixed("sentry_org_token", () => `sntrys_eyJ${r(B64, 80)}_${r(B64, 43)}`, [`sntrys_eyJ${r(B64, 80)}_${r(B64, 42)}`]),
  prefixed("sentry_user_token", () => `sntryu_${r(HEX, 64)}`, [`sntryu_${r(HEX, 63)}`]),
  prefixed("new_relic_user_api_key", () => `NRAK-${r(UP_ALNUM, 27)}`, [`NRAK-${r(UP_ALNUM, 26)}`]),
  prefixed("new_relic_insert_key", () => `NRII-${r(URLSAFE, 32)}`, [`NRII-${r(URLSAFE, 31)}`]),
  prefixed("new_relic_browser_key", () => `NRJS-${r(HEX, 19)}`, [`NRJS-${r(HEX, 18)}`]),
  prefixed("grafana_cloud_token", () => `glc_${r(B64, 60)}`, [`glc_${r(B64, 20)}`]),
  prefixed("grafana_api_key", () => `eyJrIjoi${r(ALNUM, 90)}`, [`eyJrIjoi${r(ALNUM, 40)}`]),
  prefixed("grafana_service_account_token", () => `glsa_${r(ALNUM, 32)}_${r(HEX, 8)}`, [`glsa_${r(ALNUM, 32)}_${r(HEX, 7)}`]),
  {
    id: "datadog_api_key",
    tp: [env("DD_API_KEY", r(HEX, 32)), env("DATADOG_APP_KEY", r(HEX, 40))],
    fp: [`DD_API_KEY=${r(HEX, 31)}`, "DD_SITE=datadoghq.eu"],
  },
  prefixed("dynatrace_api_token", () => `dt0c01.${r(UP_ALNUM, 24)}.${r(UP_ALNUM, 64)}`, [`dt0c01.${r(UP_ALNUM, 24)}.${r(UP_ALNUM, 63)}`]),
  { id: "okta_api_token", tp: [env("OKTA_API_TOKEN", `00${r(URLSAFE, 40)}`), jsonKey("oktaToken", `00${r(URLSAFE, 40)}`)], fp: [`OKTA_API_TOKEN=01${r(URLSAFE, 40)}`] },
  {
    id: "twitch_api_token",
    tp: [env("TWITCH_CLIENT_SECRET", r(LOW_ALNUM, 30)), jsonKey("twitchOauthToken", r(LOW_ALNUM, 30))],
    fp: [`TWITCH_CLIENT_SECRET=${r(LOW_ALNUM, 29)}`],
  },
  {
    id: "dropbox_access_token",
    tp: [plain(`sl.${r(URLSAFE, 140)}`), json(`sl.u.${r(URLSAFE, 300)}`)],
    fp: [`sl.${r(URLSAFE, 50)}`, `ssl.${r(URLSAFE, 140)}`],
  },
  {
    id: "asana_pat",
    tp: [env("ASANA_PAT", `1/${r(DIGITS, 16)}:${r(ALNUM, 32)}`), env("ASANA_TOKEN", `0/${r(HEX, 32)}`)],
    fp: [`ASANA_PAT=1/${r(DIGITS, 16)}`],
  },
  prefixed("airtable_pat", () => `pat${r(ALNUM, 14)}.${r(HEX, 64)}`, [`pat${r(ALNUM, 14)}.${r(HEX, 63)}`]),
  prefixed("figma_pat", () => `figd_${r(URLSAFE, 40)}`, [`figd_${r(URLSAFE, 39)}`]),
  prefixed("contentful_pat", () => `CFPAT-${r(URLSAFE, 43)}`, [`CFPAT-${r(URLSAFE, 42)}`]),
  { id: "algolia_api_key", tp: [env("ALGOLIA_ADMIN_KEY", r(HEX, 32)), jsonKey("algoliaApiKey", r(HEX, 32))], fp: ["ALGOLIA_APP_ID=ABC123", `ALGOLIA_ADMIN_KEY=${r(HEX, 31)}`] },
  prefixed("mapbox_secret_token", () => `sk.eyJ${r(URLSAFE, 60)}.${r(URLSAFE, 22)}`, [`sk.eyJ${r(URLSAFE, 60)}`]),
  prefixed("mapbox_public_token", () => `pk.eyJ${r(URLSAFE, 60)}.${r(URLSAFE, 22)}`, [`pk.eyJ${r(URLSAFE, 60)}`]),
  prefixed("pulumi_access_token", () => `pul-${r(HEX, 40)}`, [`pul-${r(HEX, 39)}`]),
  {
    id: "flyio_token",
    tp: [plain(`fo1_${r(URLSAFE, 43)}`), json(`fm2_${r(B64, 120)}`)],
    fp: [`fo1_${r(URLSAFE, 42)}`, `fm2_${r(B64, 50)}`],
  },
  prefixed("supabase_access_token", () => `sbp_${r(HEX, 40)}`, [`sbp_${r(HEX, 39)}`]),
  prefixed("supabase_secret_key", () => `sb_secret_${r(URLSAFE, 31)}`, [`sb_secret_${r(URLSAFE, 10)}`]),
  {
    id: "planetscale_token",
    tp: [plain(`pscale_tkn_${r(URLSAFE, 43)}`), json(`pscale_oauth_${r(URLSAFE, 43)}`)],
    fp: [`pscale_tkn_${r(URLSAFE, 20)}`],
  },
  prefixed("planetscale_password", () => `pscale_pw_${r(URLSAFE, 43)}`, [`pscale_pw_${r(URLSAFE, 20)}`]),
  prefixed("neon_api_key", () => `napi_${r(LOW_ALNUM, 64)}`, [`napi_${r(LOW_ALNUM, 63)}`]),
  prefixed("age_secret_key", () => `AGE-SECRET-KEY-1${r(BECH32, 58)}`, [`AGE-SECRET-KEY-1${r(BECH32, 57)}`]),
  prefixed("onepassword_service_account_token", () => `ops_eyJ${r(B64, 300)}`, [`ops_eyJ${r(B64, 100)}`]),
  {
    id: "onepassword_secret_key",
    tp: [
      plain(`A3-${r(UP_ALNUM, 6)}-${r(UP_ALNUM, 11)}-${r(UP_ALNUM, 5)}-${r(UP_ALNUM, 5)}-${r(UP_ALNUM, 5)}`),
      json(`A3-${r(UP_ALNUM, 6)}-${r(UP_ALNUM, 6)}-${r(UP_ALNUM, 5)}-${r(UP_ALNUM, 5)}-${r(UP_ALNUM, 5)}-${r(UP_ALNUM, 5)}`),
    ],
    fp: [`A3-${r(UP_ALNUM, 6)}-${r(UP_ALNUM, 11)}`],
  },
  prefixed("typeform_token", () => `tfp_${r(URLSAFE, 59)}`, [`tfp_${r(URLSAFE, 58)}`]),
  prefixed("prefect_api_key", () => `pnu_${r(ALNUM, 36)}`, [`pnu_${r(ALNUM, 35)}`]),
  prefixed("readme_api_key", () => `rdme_${r(LOW_ALNUM, 70)}`, [`rdme_${r(LOW_ALNUM, 69)}`]),
  prefixed("openshift_user_token", () => `sha256~${r(URLSAFE, 43)}`, [`sha256~${r(URLSAFE, 42)}`]),
  prefixed("octopus_deploy_api_key", () => `API-${r(UP_ALNUM, 26)}`, [`API-${r(UP_ALNUM, 25)}`]),
  prefixed("infracost_api_token", () => `ico-${r(ALNUM, 32)}`, [`ico-${r(ALNUM, 31)}`]),
  {
    id: "harness_pat",
    tp: [plain(`pat.${r(URLSAFE, 22)}.${r(ALNUM, 24)}.${r(ALNUM, 20)}`), json(`sat.${r(URLSAFE, 22)}.${r(ALNUM, 24)}.${r(ALNUM, 20)}`)],
    fp: [`pat.${r(URLSAFE, 22)}.${r(ALNUM, 24)}.${r(ALNUM, 19)}`],
  },
  prefixed("scalingo_api_token", () => `tk-us-${r(URLSAFE, 48)}`, [`tk-us-${r(URLSAFE, 47)}`]),
  prefixed("maxmind_license_key", () => `${r(ALNUM, 6)}_${r(ALNUM, 29)}_mmk`, [`${r(ALNUM, 6)}_${r(ALNUM, 28)}_mmk`]),
  prefixed("frameio_api_token", () => `fio-u-${r(URLSAFE, 64)}`, [`fio-u-${r(URLSAFE, 63)}`]),

  // Structural secrets
  {
    id: "private_key",
    tp: [
      (() => {
        const block = pemBlock("RSA");
        return inText(`{"key":"placeholder"}\n${block}\ntrailing`, block);
      })(),
      (() => {
        const block = pemBlock("OPENSSH");
        return inText(`ssh key:\n${block}`, block);
      })(),
      (() => {
        const block = pemBlock("");
        return inText(block, block);
      })(),
      (() => {
        const block = pemBlock("ENCRYPTED");
        return inText(JSON.stringify({ k: block }), JSON.stringify(block).slice(1, -1));
      })(),
      inText(`truncated: ${pem("BEGIN", "EC")}\n${r(B64, 40)}`, pem("BEGIN", "EC")),
      (() => {
        const block = `${pem("BEGIN", "PGP").replace("KEY-----", "KEY BLOCK-----")}\n\n${r(B64, 64)}\n=${r(B64, 4)}\n${pem("END", "PGP").replace("KEY-----", "KEY BLOCK-----")}`;
        return inText(block, block);
      })(),
    ],
    fp: [
      `-----BEGIN PUBLIC KEY-----\n${r(B64, 64)}\n-----END PUBLIC KEY-----`,
      "the private key rotation is due",
      `-----BEGIN CERTIFICATE-----\n${r(B64, 64)}\n-----END CERTIFICATE-----`,
    ],
  },
  {
    id: "jwt",
    tp: [
      plain(jwt({ alg: "HS256", typ: "JWT" })),
      json(jwt({ alg: "RS256", kid: "k1" })),
      (() => {
        const value = jwt({ alg: "ES256" });
        return inText(`Authorization: Bearer ${value}`, value);
      })(),
    ],
    fp: [plain(jwt({ typ: "JWT" })).text, `${b64url(JSON.stringify({ alg: "HS256" }))}.${r(URLSAFE, 20)}`, `eyJ${r(URLSAFE, 30)}.${r(URLSAFE, 20)}.${r(URLSAFE, 20)}`],
  },
  {
    id: "postgres_url_password",
    tp: [
      (() => {
        const pw = password();
        return inText(`DATABASE_URL=postgres://app:${pw}@db.internal:5432/app`, pw);
      })(),
      (() => {
        const pw = password();
        return inText(`postgresql+asyncpg://app:${pw}@10.0.0.5/app`, pw);
      })(),
    ],
    fp: ["postgres://app:****@db/app", "postgres://app@db/app", "postgres://app:${DB_PASSWORD}@db/app"],
  },
  {
    id: "mysql_url_password",
    tp: [
      (() => {
        const pw = password();
        return inText(`mysql://root:${pw}@localhost:3306/db`, pw);
      })(),
      (() => {
        const pw = password();
        return inText(`mariadb://u:${pw}@h/db`, pw);
      })(),
    ],
    fp: ["mysql://root:${MYSQL_PASSWORD}@localhost", "mysql://localhost:3306/db"],
  },
  {
    id: "mongodb_url_password",
    tp: [
      (() => {
        const pw = password();
        return inText(`mongodb+srv://admin:${pw}@cluster0.example.mongodb.net/db`, pw);
      })(),
      (() => {
        const pw = password();
        return inText(`mongodb://u:${pw}@h:27017`, pw);
      })(),
    ],
    fp: ["mongodb://localhost:27017/db", "mongodb://u:<password>@h:27017"],
  },
  {
    id: "redis_url_password",
    tp: [
      (() => {
        const pw = password();
        return inText(`redis://:${pw}@cache:6379/0`, pw);
      })(),
      (() => {
        const pw = password();
        return inText(`rediss://default:${pw}@cache.example.com:6380`, pw);
      })(),
    ],
    fp: ["redis://cache:6379", "redis://:xxxx@cache:6379"],
  },
  {
    id: "amqp_url_password",
    tp: [
      (() => {
        const pw = password();
        return inText(`amqp://guest:${pw}@rabbit:5672/vhost`, pw);
      })(),
      (() => {
        const pw = password();
        return inText(`amqps://u:${pw}@mq.example.com`, pw);
      })(),
    ],
    fp: ["amqp://rabbit:5672"],
  },
  {
    id: "url_password",
    tp: [
      (() => {
        const pw = password();
        return inText(`git remote add origin https://deploy:${pw}@git.example.com/repo.git`, pw);
      })(),
      (() => {
        const pw = password();
        return inText(`ftp://backup:${pw}@files.example.org/`, pw);
      })(),
    ],
    fp: ["https://example.com:8443/path", "https://user:<password>@example.com", "https://user@example.com/"],
  },
  {
    id: "connection_string_password",
    tp: [
      (() => {
        const pw = password();
        return inText(`Server=db;Database=app;User Id=app;Password=${pw};`, pw);
      })(),
      (() => {
        const pw = password();
        return inText(`jdbc:sqlserver://db:1433;databaseName=app;user=app;password=${pw}`, pw);
      })(),
    ],
    fp: ["Password=<your-password>;", "Password=${DB_PASSWORD};", "Password=;"],
  },
  {
    id: "high_entropy_secret",
    tp: [
      (() => {
        const value = r(ALNUM, 32);
        return inText(`api_key = "${value}"`, value);
      })(),
      (() => {
        const value = r(B64, 40);
        return { text: value, value, key: "clientSecret" };
      })(),
      (() => {
        const value = r(HEX, 40);
        return inText(`"session_token": "${value}"`, value);
      })(),
      (() => {
        const value = r(URLSAFE, 24);
        return { text: `Bearer ${value}`, value, key: "Authorization" };
      })(),
    ],
    fp: [
      `commit: ${r(HEX, 40)}`,
      { text: uuid(), key: "token" },
      { text: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", key: "authLogo" },
      "token: xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      "password: sk-...xxxx",
      "token_type: refresh_token_for_user_session",
      { text: r(ALNUM, 40), key: "publicKey" },
      { text: r(ALNUM, 40), key: "idempotencyKey" },
      { text: "/etc/ssl/private/Server2024", key: "keyFile" },
      '{"author":"agt_01J9Z3K4M5N6P7Q8"}',
      `token_id: tok_01J9Z3K4M5N6P7Q8R9`,
      { text: `tok_01J9Z3K4M5N6P7Q8R9`, key: "apiKeyId" },
      { text: `agt_01J9Z3K4M5N6P7Q8R9`, key: "authorRef" },
    ],
  },

  // Personal data
  {
    id: "email",
    tp: [
      inText("contact alice.smith@example.com today", "alice.smith@example.com"),
      inText('{"to":"bob+tag@mail.example.co.uk"}', "bob+tag@mail.example.co.uk"),
      inText('<a href="mailto:carol@example.org">', "carol@example.org"),
    ],
    fp: ["icon@2x.png", "name@localhost", "a..b@example.com", "ssh://git@github.com/org/repo", "@scope/pkg@1.2.3"],
  },
  {
    id: "phone_number",
    tp: [
      inText("call +1 415 555 2671 now", "+1 415 555 2671"),
      inText("office: +44 20 7946 0958", "+44 20 7946 0958"),
      inText('{"phone":"+14155552671"}', "+14155552671"),
      inText("US (415) 555-2671.", "(415) 555-2671"),
      inText("US 415-555-2671", "415-555-2671"),
      inText("UK 020 7946 0958", "020 7946 0958"),
      inText("FR 01 23 45 67 89", "01 23 45 67 89"),
    ],
    fp: ["+1 23", "date 2024-01-15", "415555-2671", "version 1.2.3.4", "count 1234567890"],
  },
  {
    id: "card_number",
    tp: [
      (() => {
        const card = withLuhn(`411111${r(DIGITS, 9)}`);
        const spaced = card.replace(/(\d{4})(?=\d)/g, "$1 ");
        return inText(`card ${spaced} exp 12/29`, spaced);
      })(),
      (() => {
        const card = withLuhn(`37${r(DIGITS, 12)}`);
        const grouped = `${card.slice(0, 4)}-${card.slice(4, 10)}-${card.slice(10)}`;
        return inText(`amex ${grouped}`, grouped);
      })(),
      (() => {
        const card = withLuhn(`52${r(DIGITS, 13)}`);
        return inText(`{"pan":"${card}"}`, card);
      })(),
    ],
    fp: [breakLast(withLuhn(`411111${r(DIGITS, 9)}`)), withLuhn(`99${r(DIGITS, 13)}`), withLuhn(`4111${r(DIGITS, 7)}`), "1700000000000"],
  },
  {
    id: "iban",
    tp: [
      inText("pay to GB82 WEST 1234 5698 7654 32 by Friday", "GB82 WEST 1234 5698 7654 32"),
      inText('{"iban":"DE89370400440532013000"}', "DE89370400440532013000"),
      (() => {
        const value = printIban(iban("FR", `30006000011234567890189`));
        return inText(`IBAN ${value}`, value);
      })(),
    ],
    fp: ["GB82 WEST 1234 5698 7654 33", "XX82WEST12345698765432", "GB82WEST123456987654", "GB82 WEST 12345698 7654 32"],
  },
  {
    id: "us_ssn",
    tp: [inText("ssn 123-45-6789", "123-45-6789"), inText("SSN: 234 56 7890.", "234 56 7890")],
    fp: ["666-12-3456", "000-12-3456", "123-00-4567", "123-45-0000", "912-34-5678", "123456789"],
  },
  {
    id: "uk_nino",
    tp: [inText("NI number AB 12 34 56 C", "AB 12 34 56 C"), inText('{"nino":"CE123456D"}', "CE123456D")],
    fp: ["GB123456A", "AB123456E", "QQ123456C", "AD123456A"],
  },
  {
    id: "ca_sin",
    tp: (() => {
      const a = withLuhn(`1${r(DIGITS, 7)}`);
      const b = withLuhn(`7${r(DIGITS, 7)}`);
      return [
        inText(`SIN ${a.slice(0, 3)} ${a.slice(3, 6)} ${a.slice(6)}`, `${a.slice(0, 3)} ${a.slice(3, 6)} ${a.slice(6)}`),
        inText(`sin: ${b.slice(0, 3)}-${b.slice(3, 6)}-${b.slice(6)}`, `${b.slice(0, 3)}-${b.slice(3, 6)}-${b.slice(6)}`),
      ];
    })(),
    fp: (() => {
      const bad = breakLast(withLuhn(`4${r(DIGITS, 7)}`));
      const zero = withLuhn(`0${r(DIGITS, 7)}`);
      return [`${bad.slice(0, 3)} ${bad.slice(3, 6)} ${bad.slice(6)}`, `${zero.slice(0, 3)} ${zero.slice(3, 6)} ${zero.slice(6)}`];
    })(),
  },
  {
    id: "fr_nir",
    tp: (() => {
      const a = nir("1850578006084");
      const b = nir("292062A004123");
      const spaced = `${a[0]} ${a.slice(1, 3)} ${a.slice(3, 5)} ${a.slice(5, 7)} ${a.slice(7, 10)} ${a.slice(10, 13)} ${a.slice(13)}`;
      return [inText(`NIR ${spaced}`, spaced), inText(`{"nir":"${b}"}`, b)];
    })(),
    fp: [breakLast(nir("1850578006084")), nir("1851378006084")],
  },
  {
    id: "de_tax_id",
    tp: [inText(`Steuer-ID ${steuerId("8609574271")}`, steuerId("8609574271")), inText(`{"idnr":"${steuerId("1234567891")}"}`, steuerId("1234567891"))],
    fp: [breakLast(steuerId("8609574271")), steuerId("1234567890"), steuerId("1112345678")],
  },
  {
    id: "es_dni",
    tp: [inText("DNI 12345678Z", "12345678Z"), inText(`dni: 87654321-${dniLetter(87654321)}`, `87654321-${dniLetter(87654321)}`)],
    fp: ["12345678A", "1234567Z"],
  },
  {
    id: "es_nie",
    tp: [inText("NIE X1234567L", "X1234567L"), inText(`nie Y-7654321-${dniLetter(17654321)}`, `Y-7654321-${dniLetter(17654321)}`)],
    fp: ["X1234567A", "W1234567L"],
  },
  {
    id: "it_codice_fiscale",
    tp: [
      inText(`CF ${codiceFiscale("RSSMRA85T10A562")}`, codiceFiscale("RSSMRA85T10A562")),
      inText(`{"cf":"${codiceFiscale("BNCLRA90E45F205")}"}`, codiceFiscale("BNCLRA90E45F205")),
    ],
    fp: [`RSSMRA85T10A562${codiceFiscale("RSSMRA85T10A562").endsWith("A") ? "B" : "A"}`, codiceFiscale("RSSMRA85T99A562")],
  },
  {
    id: "nl_bsn",
    tp: [inText("BSN: 111222333", "111222333"), inText("burgerservicenummer 1234.56.782", "1234.56.782")],
    fp: ["bsn: 111222334", "bsn: 12345678", "order 111222333"],
  },
  {
    id: "in_aadhaar",
    tp: (() => {
      const a = `2${r(DIGITS, 10)}`;
      const b = `9${r(DIGITS, 10)}`;
      const fa = a + verhoeffDigit(a);
      const fb = b + verhoeffDigit(b);
      const spaced = `${fa.slice(0, 4)} ${fa.slice(4, 8)} ${fa.slice(8)}`;
      const dashed = `${fb.slice(0, 4)}-${fb.slice(4, 8)}-${fb.slice(8)}`;
      return [inText(`aadhaar ${spaced}`, spaced), inText(`{"uid":"${dashed}"}`, dashed)];
    })(),
    fp: (() => {
      const a = `3${r(DIGITS, 10)}`;
      const bad = breakLast(a + verhoeffDigit(a));
      const one = `1${r(DIGITS, 10)}`;
      const first = one + verhoeffDigit(one);
      return [`${bad.slice(0, 4)} ${bad.slice(4, 8)} ${bad.slice(8)}`, `${first.slice(0, 4)} ${first.slice(4, 8)} ${first.slice(8)}`];
    })(),
  },
  {
    id: "in_pan",
    tp: [inText("PAN ABCPD1234E", "ABCPD1234E"), inText('{"pan":"AAACB1234F"}', "AAACB1234F")],
    fp: ["ABCXD1234E", "ABCPD12345", "ABCPD1234"],
  },
  {
    id: "br_cpf",
    tp: [inText(`CPF ${cpf("529982247")}`, cpf("529982247")), inText(`{"cpf":"${cpf("123456789")}"}`, cpf("123456789"))],
    fp: ["111.111.111-11", `${cpf("529982247").slice(0, -1)}${(Number(cpf("529982247").at(-1)) + 1) % 10}`],
  },
  // Protected health information
  {
    id: "us_medical_record_number",
    tp: [
      inText("Patient MRN: 00123456 admitted to ward 4", "00123456"),
      inText('{"result":"Medical record number MR-0044123, bed 12"}', "MR-0044123"),
      inText('lookup returned {"mrn": "77001234"}', "77001234"),
      inText("medical_record_id=A123456", "A123456"),
    ],
    fp: ["MRN 1234", "The mRNA vaccine lot 123456", "medical bill 123456", "medical records were updated 20260112"],
  },
  {
    id: "us_npi",
    tp: [inText(`Prescriber NPI: ${npi("123456789")}`, npi("123456789")), inText(`national provider identifier ${npi("245319599")}`, npi("245319599"))],
    fp: [`NPI ${breakLast(npi("123456789"))}`, `npi ${npi("123456789")}1`, `NPI ${npi("345319599")}`, `order ${npi("123456789")}`, `snpi ${npi("123456789")}`],
  },
  {
    id: "us_dea_number",
    tp: [inText(`DEA# ${dea("AB", "123456")}`, dea("AB", "123456")), inText(`{"note":"DEA number: ${dea("M9", "612534")}"}`, dea("M9", "612534"))],
    fp: [`DEA ${breakLast(dea("AB", "123456"))}`, `idea ${dea("AB", "123456")}`, `DEA ${dea("IB", "123456")}`, `Rx ${dea("AB", "123456")}`],
  },
  {
    id: "us_mbi",
    tp: [inText("Medicare MBI 1EG4-TE5-MK73 on file", "1EG4-TE5-MK73"), inText('{"member":"medicare number 9AA0A00AA00"}', "9AA0A00AA00")],
    fp: ["MBI: 1EG4-TE5MK73", "mbi 1SG4TE5MK73", "Medicare 0EG4TE5MK73", "order 1EG4TE5MK73"],
  },
  {
    id: "icd10_code",
    tp: [inText("Diagnosis: E11.9 (type 2 diabetes)", "E11.9"), inText("dx F32.A, then S72.001A per chart", "F32.A"), inText('{"icd10": "J45.909"}', "J45.909")],
    fp: ["version E11.9 released", "diagnosed with v2.1.3", "diagnosis E11 pending", "Diagnostics: build 1.2.3"],
  },

  // Secrets ported from gitleaks' default rules: formats of their own…
  prefixed("facebook_page_access_token", () => `EAAM${r(ALNUM, 120)}`, [`EAAM${r(ALNUM, 90)}`, `eaac${r(ALNUM, 120)}`]),
  {
    id: "facebook_access_token",
    tp: [
      plain(`${r(DIGITS, 15)}|${r(URLSAFE, 27)}`),
      (() => {
        const value = `${r(DIGITS, 16)}%7C${r(HEX, 32)}`;
        return inText(`https://graph.facebook.com/me?access_token=${value}&fields=id`, value);
      })(),
    ],
    fp: [`${r(DIGITS, 14)}|${r(URLSAFE, 27)}`, `| ${r(DIGITS, 15)} | ${r(URLSAFE, 27)} |`],
  },
  prefixed("defined_networking_api_token", () => `dnkey-${r(URLSAFE, 26)}-${r(URLSAFE, 52)}`, [`dnkey-${r(URLSAFE, 26)}-${r(URLSAFE, 51)}`]),
  prefixed("authress_access_key", () => `sc_${r(ALNUM, 10)}.${r(ALNUM, 4)}.acc_${r(LOW_ALNUM, 10)}.${r(URLSAFE, 40)}`, [
    `sc_${r(ALNUM, 10)}.${r(ALNUM, 4)}.org_${r(LOW_ALNUM, 10)}.${r(URLSAFE, 40)}`,
  ]),
  {
    id: "flutterwave_encryption_key",
    tp: [plain(`FLWSECK_TEST-${r(HEX, 12)}`), json(`FLWSECK_TEST${r(HEX, 12)}`)],
    fp: [`FLWSECK_TEST-${r(HEX, 11)}`, `FLWSECK_TEST-${r(HEX, 32)}-X`],
  },
  prefixed("aws_bedrock_short_lived_key", () => `bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t${r(B64, 200)}`, ["bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t"]),
  {
    id: "gitlab_session_cookie",
    tp: [
      (() => {
        const value = r(LOW_ALNUM, 32);
        return inText(`Cookie: _gitlab_session=${value}; path=/`, value);
      })(),
      (() => {
        const value = r(LOW_ALNUM, 32);
        return inText(`{"cookie":"_gitlab_session=${value}"}`, value);
      })(),
    ],
    fp: [`_gitlab_session=${r(LOW_ALNUM, 31)}`, `_gitlab_session=${"0".repeat(32)}`],
  },
  {
    id: "jwt_base64",
    tp: [plain(Buffer.from(jwt({ alg: "HS256", typ: "JWT" })).toString("base64")), json(Buffer.from(jwt({ alg: "RS256" })).toString("base64"))],
    fp: [Buffer.from(jwt({ typ: "JWT" })).toString("base64"), `ZXlK${r(B64, 80)}`],
  },

  // …and keys with no format of their own, named by their provider
  named("adafruit_api_key", "adafruit", () => r(URLSAFE, 32)),
  named("airtable_api_key", "airtable", () => `key${r(ALNUM, 14)}`, { fp: [`AIRTABLE_BASE=app${r(ALNUM, 14)}`] }),
  named("asana_client_secret", "asana", () => r(ALNUM, 32)),
  named("beamer_api_token", "beamer", () => `b_${r(URLSAFE, 44)}`),
  named("bitbucket_client_secret", "bitbucket", () => r(URLSAFE, 64)),
  named("bittrex_secret_key", "bittrex", () => r(ALNUM, 32), {
    names: ["BITTREX_API_SECRET", "bittrex_secret", "bittrex.secret"],
    fp: [`BITTREX_API_KEY=${r(ALNUM, 32)}`],
  }),
  named("bittrex_access_key", "bittrex", () => r(ALNUM, 32)),
  named("cisco_meraki_api_key", "meraki", () => r(HEX, 40), { fp: [`ReactNativeCameraKit: ${r(HEX, 40)}`, `MERAKI_API_KEY=${"ab12".repeat(10)}`] }),
  named("codecov_access_token", "codecov", uuid, { tp: [env("CODECOV_TOKEN", r(ALNUM, 32))] }),
  named("coinbase_access_token", "coinbase", () => r(URLSAFE, 64)),
  named("confluent_access_token", "confluent", () => r(UP_ALNUM, 16)),
  named("confluent_secret_key", "confluent", () => r(B64, 64)),
  named("contentful_delivery_token", "contentful", () => r(URLSAFE, 43)),
  named("discord_api_token", "discord", () => r(HEX, 64), { fp: [`DISCORD_PUBLIC_KEY=${r(HEX, 64)}`] }),
  named("discord_client_secret", "discord", () => r(URLSAFE, 32), { names: ["DISCORD_CLIENT_SECRET", "discord_secret", "discord.client-secret"] }),
  named("droneci_access_token", "drone", () => r(ALNUM, 32), { names: ["DRONE_TOKEN", "droneci_token", "drone.token"] }),
  named("dropbox_api_secret", "dropbox", () => r(LOW_ALNUM, 15), { names: ["DROPBOX_APP_SECRET", "dropbox_secret", "dropbox.app-secret"] }),
  named("dropbox_long_lived_token", "dropbox", () => `${r(ALNUM, 11)}AAAAAAAAAA${r(URLSAFE, 43)}`),
  named("etsy_access_token", "etsy", () => r(ALNUM, 24), { fp: [`SetSysctl = "${r(ALNUM, 24)}"`] }),
  named("facebook_app_secret", "facebook", () => r(HEX, 32)),
  named("fastly_api_token", "fastly", () => r(URLSAFE, 32)),
  named("finicity_api_token", "finicity", () => r(HEX, 32)),
  named("finicity_client_secret", "finicity", () => r(ALNUM, 20)),
  named("finnhub_access_token", "finnhub", () => r(LOW_ALNUM, 20)),
  named("flickr_access_token", "flickr", () => r(ALNUM, 32)),
  named("freshbooks_access_token", "freshbooks", () => r(ALNUM, 64)),
  named("gitter_access_token", "gitter", () => r(URLSAFE, 40)),
  named("gocardless_api_token", "gocardless", () => `live_${r(URLSAFE, 40)}`, { tp: [env("GOCARDLESS_ACCESS_TOKEN", `sandbox_${r(URLSAFE, 40)}`)] }),
  named("hubspot_api_key", "hubspot", uuid, { fp: [`hubspotFormId: ${uuid()}`] }),
  named("intercom_api_key", "intercom", () => r(URLSAFE, 60)),
  named("jfrog_identity_token", "jfrog", () => r(ALNUM, 64), { tp: [env("ARTIFACTORY_IDENTITY_TOKEN", r(ALNUM, 64))] }),
  named("kraken_access_token", "kraken", () => `${r(B64, 78)}==`),
  named("kucoin_access_token", "kucoin", () => r(HEX, 24)),
  named("kucoin_secret_key", "kucoin", uuid),
  named("launchdarkly_access_token", "launchdarkly", () => `sdk-${uuid()}`),
  named("linear_client_secret", "linear", () => r(HEX, 32)),
  named("linkedin_client_secret", "linkedin", () => r(ALNUM, 16)),
  named("lob_api_key", "lob", () => `test_${r(HEX, 35)}`, { fp: [`GLOBAL_KEY=live_${r(HEX, 35)}`] }),
  named("looker_client_secret", "looker", () => r(ALNUM, 24)),
  named("mailgun_signing_key", "mailgun", () => `${r(HEX, 32)}-${r(HEX, 8)}-${r(HEX, 8)}`),
  named("mattermost_access_token", "mattermost", () => r(LOW_ALNUM, 26)),
  named("messagebird_api_token", "messagebird", () => r(ALNUM, 25)),
  named("nytimes_access_token", "nytimes", () => r(ALNUM, 32)),
  named("plaid_secret_key", "plaid", () => r(LOW_ALNUM, 30)),
  named("privateai_api_token", "privateai", () => r(LOW_ALNUM, 32), { fp: [`PRIVATEAI_API_KEY=${"a".repeat(32)}`] }),
  named("rapidapi_access_token", "rapidapi", () => r(URLSAFE, 50)),
  named("sendbird_access_token", "sendbird", () => r(HEX, 40)),
  named("sentry_legacy_token", "sentry", () => r(HEX, 64)),
  named("sidekiq_secret", "sidekiq", () => `${r(HEX, 8)}:${r(HEX, 8)}`, {
    names: ["BUNDLE_ENTERPRISE__CONTRIBSYS__COM", "BUNDLE_GEMS__CONTRIBSYS__COM", "bundle_gems__contribsys__com"],
  }),
  named("snyk_api_token", "snyk", uuid, { fp: [`SNYK_ORG=${uuid()}`] }),
  named("sonar_api_token", "sonar", () => r(URLSAFE, 40), {
    names: ["SONAR_TOKEN", "sonar_login", "sonar.login"],
    tp: [env("SONARQUBE_TOKEN", `squ_${r(HEX, 40)}`)],
    fp: [`SONAR_HOST_URL=${r(URLSAFE, 40)}`],
  }),
  named("squarespace_access_token", "squarespace", uuid),
  named("sumologic_access_token", "sumo", () => r(ALNUM, 64), { tp: [env("SUMOLOGIC_ACCESSKEY", r(ALNUM, 64))], fp: [`sumOfExposures = ${r(ALNUM, 64)};`] }),
  named("travisci_access_token", "travis", () => r(ALNUM, 22)),
  named("twitter_api_key", "twitter", () => r(ALNUM, 25), { fp: [`TWITTER_API_KEY=${"x".repeat(25)}`] }),
  named("twitter_api_secret", "twitter", () => r(ALNUM, 50)),
  named("twitter_access_token", "twitter", () => `${r(DIGITS, 18)}-${r(ALNUM, 20)}`),
  named("twitter_access_secret", "twitter", () => r(ALNUM, 45)),
  named("twitter_bearer_token", "twitter", () => `${"A".repeat(22)}${r(ALNUM, 80)}`),
  named("yandex_aws_access_token", "yandex", () => `YC${r(URLSAFE, 38)}`),
  named("yandex_api_key", "yandex", () => `AQVN${r(URLSAFE, 35)}`),
  named("yandex_access_token", "yandex", () => `t1.${r(URLSAFE, 40)}.${r(URLSAFE, 86)}`),
  named("zendesk_secret_key", "zendesk", () => r(ALNUM, 40)),

  // …and structures: command lines, config files, manifests
  {
    id: "curl_auth_header",
    tp: [
      (() => {
        const value = `${r(URLSAFE, 30)}9${r(URLSAFE, 9)}`;
        return inText(`curl -H "Authorization: Bearer ${value}" https://api.example.com/v1/items`, value);
      })(),
      (() => {
        const value = uuid();
        return inText(`curl -X GET --header 'X-Api-Key: ${value}' https://api.example.com`, value);
      })(),
      (() => {
        const value = Buffer.from(`svc:${password()}`).toString("base64");
        return inText(`curl -X POST \\\n  -H "Content-Type: application/json" \\\n  -H "Authorization: Basic ${value}" https://api.example.com/token`, value);
      })(),
    ],
    fp: [
      'curl -H "Authorization: Bearer $API_KEY" https://api.example.com',
      'curl -H "Authorization: Bearer XXXXXXXXXXXX" https://api.example.com',
      'curl -H "Authorization: Bearer <your token>" https://api.example.com',
      'curl -H "Authorization: Negotiate" https://api.example.com',
      `Authorization: Bearer ${r(ALNUM, 30)}`,
    ],
  },
  {
    id: "curl_auth_user",
    tp: [
      (() => {
        const value = password();
        return inText(`curl -u deploy:${value} https://registry.example.com/v2/`, value);
      })(),
      (() => {
        const value = password();
        return inText(`curl -X POST https://api.example.com/messages \\\n  -d 'text=hi' \\\n  --user 'api:${value}'`, value);
      })(),
    ],
    fp: [
      'curl -u "$USER:$PASS" https://api.example.com',
      "curl -u user:pass https://api.example.com",
      "docker run -u 1000:1000 app",
      'curl -u "myusername" https://api.example.com',
    ],
  },
  {
    id: "password_assignment",
    tp: [
      (() => {
        const value = password();
        return inText(`administrator_login_password = "${value}"`, value);
      })(),
      (() => {
        const value = password();
        return inText(`resource "aws_db_instance" "db" {\n  username       = "app"\n  password       = "${value}"\n}`, value);
      })(),
    ],
    fp: ["password = var.db_password", 'password = "${aws_db_instance.default.password}"', 'password = "changeme"', 'password = "rootpasswd"', 'if password == "hunter2abc1"'],
  },
  {
    id: "nuget_config_password",
    tp: [
      (() => {
        const value = password();
        return inText(`<add key="ClearTextPassword" value="${value}" />`, value);
      })(),
      (() => {
        const value = password();
        return inText(`<packageSourceCredentials><feed><add key="Username" value="ci" /><add key="Password" value="${value}" /></feed></packageSourceCredentials>`, value);
      })(),
    ],
    fp: ['<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />', '<add key="ClearTextPassword" value="XXXXXXXXXXX" />', '<add key="Username" value="ci-bot-2024" />'],
  },
  {
    id: "freemius_secret_key",
    tp: [
      (() => {
        const value = `sk_${r(`${ALNUM}#&@*$`, 29)}`;
        return inText(`$config = array(\n  "secret_key" => "${value}",\n);`, value);
      })(),
      (() => {
        const value = `sk_${r(ALNUM, 29)}`;
        return inText(`'secret_key' => '${value}'`, value);
      })(),
    ],
    fp: [`secret_key => "sk_${r(ALNUM, 29)}"`, `"secret_key" => "sk_${r(ALNUM, 28)}"`],
  },
  {
    id: "kubernetes_secret_data",
    tp: [
      (() => {
        const value = Buffer.from(password()).toString("base64");
        return inText(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-user-pass\ntype: Opaque\ndata:\n  password: ${value}\n  username: YWRtaW4=\n`, value);
      })(),
      (() => {
        const value = Buffer.from(`{"auths":{"registry.example.com":{"auth":"${r(B64, 24)}"}}}`).toString("base64");
        return inText(`kind: "Secret"\r\ndata:\r\n  .dockerconfigjson: |\r\n    ${value}\r\n`, value);
      })(),
    ],
    fp: [
      "kind: ConfigMap\ndata:\n  ENVIRONMENT: productionready\n",
      `kind: ExternalSecret\ndata:\n  password: ${Buffer.from(password()).toString("base64")}\n`,
      `kind: Secret\nmetadata:\n  name: a\n---\nkind: ConfigMap\ndata:\n  greeting: ${Buffer.from(password()).toString("base64")}\n`,
    ],
  },
  {
    id: "kubernetes_secret_data_kubectl",
    tp: [
      (() => {
        const value = Buffer.from(password()).toString("base64");
        return inText(`apiVersion: v1\ndata:\n  password: ${value}\n  username: YWRtaW4=\nkind: Secret\nmetadata:\n  name: db-user-pass\ntype: Opaque\n`, value);
      })(),
      (() => {
        const value = Buffer.from(password()).toString("base64");
        return inText(`apiVersion: 'v1'\ndata:\n  extra: '${value}'\nkind: 'Secret'\n`, value);
      })(),
    ],
    fp: [`apiVersion: v1\ndata:\n  password: ${Buffer.from(password()).toString("base64")}\n---\nkind: Secret\n`, "data:\n  greeting: productionready\nkind: ConfigMap\n"],
  },
  {
    id: "sidekiq_sensitive_url",
    tp: [
      (() => {
        const value = `${r(HEX, 8)}:${r(HEX, 8)}`;
        return inText(`source "https://${value}@gems.contribsys.com/" do`, value);
      })(),
      (() => {
        const value = `${r(HEX, 8)}:${r(HEX, 8)}`;
        return inText(`http://${value}@enterprise.contribsys.com:80/path?x=1`, value);
      })(),
    ],
    fp: [`https://${r(HEX, 8)}:${r(HEX, 8)}@gems.example.com/`, `https://${r(HEX, 8)}:${r(HEX, 7)}@gems.contribsys.com/`],
  },
];
