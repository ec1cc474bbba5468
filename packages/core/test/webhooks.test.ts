import { describe, expect, it } from "vitest";
import { refusedAddress, signWebhook, WEBHOOK_RETRY_SCHEDULE_SECONDS, webhookHeaders, webhookRetryDelayMs, webhookUrlProblem, webhookWants } from "../src";

describe("refusedAddress: where a delivery may never connect", () => {
  it.each([
    ["127.0.0.1", "a loopback address"],
    ["127.255.255.254", "a loopback address"],
    ["10.1.2.3", "a private address"],
    ["172.16.0.1", "a private address"],
    ["172.31.255.255", "a private address"],
    ["192.168.0.1", "a private address"],
    ["169.254.169.254", "a link-local address"],
    ["100.64.0.1", "a shared (carrier-grade NAT) address"],
    ["0.0.0.0", "an unspecified address"],
    ["224.0.0.1", "a multicast or reserved address"],
    ["255.255.255.255", "a multicast or reserved address"],
    ["::1", "a loopback address"],
    ["::", "an unspecified address"],
    ["::ffff:127.0.0.1", "a loopback address"],
    ["::ffff:7f00:1", "a loopback address"],
    ["::ffff:10.0.0.1", "a private address"],
    ["64:ff9b::a9fe:a9fe", "a link-local address"],
    ["2002:c0a8:0101::1", "a private address"],
    ["fd12:3456::1", "a private (unique local) address"],
    ["fe80::1%eth0", "a link-local address"],
    ["ff02::1", "a multicast address"],
    ["not-an-ip", "not an IP address"],
  ])("%s is refused as %s", (address, why) => {
    expect(refusedAddress(address)).toBe(why);
  });

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("%s is allowed", (address) => {
    expect(refusedAddress(address)).toBeNull();
  });
});

describe("webhook URLs", () => {
  it.each([
    ["ftp://example.com/x", "must be an http or https URL"],
    ["https://user:pw@example.com/x", "must not carry a user name or password (the signature authenticates the sender)"],
    ["https://example.com/x#frag", "must not carry a fragment"],
    ["example.com/hook", "must be an absolute http or https URL"],
  ])("%s: %s", (url, problem) => {
    expect(webhookUrlProblem(url)).toBe(problem);
  });
  it("accepts an https URL with a path and query", () => {
    expect(webhookUrlProblem("https://hooks.example.com/in?team=1")).toBeNull();
  });
});

describe("the retry schedule", () => {
  it("waits each scheduled time within ±20%, and gives up after the last", () => {
    WEBHOOK_RETRY_SCHEDULE_SECONDS.forEach((seconds, i) => {
      expect(webhookRetryDelayMs(i + 1, WEBHOOK_RETRY_SCHEDULE_SECONDS, () => 0)).toBe(seconds * 800);
      expect(webhookRetryDelayMs(i + 1, WEBHOOK_RETRY_SCHEDULE_SECONDS, () => 1)).toBe(seconds * 1200);
    });
    expect(webhookRetryDelayMs(WEBHOOK_RETRY_SCHEDULE_SECONDS.length + 1)).toBeNull();
  });
  it("spreads endpoints that failed together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => webhookRetryDelayMs(2)));
    expect(delays.size).toBeGreaterThan(40);
  });
});

describe("signing", () => {
  // The example of the Standard Webhooks spec's reference implementations.
  it("matches the spec's reference signature", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });
  it("carries one signature per secret during a rotation", () => {
    const headers = webhookHeaders(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"], "aud_1", 1, "{}");
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(headers["webhook-id"]).toBe("aud_1");
  });
  it("subscribes by type or to everything", () => {
    expect(webhookWants(["*"], "action.denied")).toBe(true);
    expect(webhookWants(["approval.requested"], "action.denied")).toBe(false);
  });
});
