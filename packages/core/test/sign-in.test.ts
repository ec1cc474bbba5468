import { describe, expect, it } from "vitest";
import { domainChallengeRecord, isPublicMailDomain, txtRecordsProve } from "../src/orgs/domain-proof";
import { sessionMeetsSignInPolicy } from "../src/orgs/sign-in-settings";
import { MEMBER_ROLES } from "../src/permissions";

describe("sessionMeetsSignInPolicy", () => {
  // Every role × sign-in method × SSO required: only a non-owner's password session is refused.
  for (const role of MEMBER_ROLES) {
    for (const method of ["password", "sso"] as const) {
      for (const ssoRequired of [false, true]) {
        const allowed = !ssoRequired || method === "sso" || role === "owner";
        it(`${role}, ${method}, SSO ${ssoRequired ? "required" : "optional"} → ${allowed ? "allowed" : "refused"}`, () => {
          expect(sessionMeetsSignInPolicy({ ssoRequired }, method, role)).toBe(allowed);
        });
      }
    }
  }
});

describe("domain proof", () => {
  it.each([
    ["gmail.com", true],
    ["mail.gmail.com", true],
    ["outlook.com", true],
    ["proton.me", true],
    ["yahoo.co.uk", true],
    ["gmail.com.example.test", false],
    ["notgmail.com", false],
    ["example.com", false],
    ["acme.co.uk", false],
  ])("%s is a public mail domain: %s", (domain, expected) => {
    expect(isPublicMailDomain(domain)).toBe(expected);
  });

  const record = domainChallengeRecord("acme.test", "tok123");
  it("names the record and its value", () => {
    expect(record).toEqual({ name: "_gatehouse-challenge.acme.test", value: "gatehouse-domain-verification=tok123" });
  });
  it.each([
    ["the exact value", [["gatehouse-domain-verification=tok123"]], true],
    ["the value split in chunks", [["gatehouse-domain-", "verification=tok123"]], true],
    ["among other records", [["v=spf1 -all"], ["gatehouse-domain-verification=tok123"]], true],
    ["another org's token", [["gatehouse-domain-verification=other"]], false],
    ["a prefix of the value", [["gatehouse-domain-verification=tok12"]], false],
    ["the value inside a longer one", [["x gatehouse-domain-verification=tok123"]], false],
    ["no records", [], false],
  ])("%s → %s", (_what, records, expected) => {
    expect(txtRecordsProve(records, record.value)).toBe(expected);
  });
});
