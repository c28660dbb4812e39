import { waitFor } from "@lienthong/testing";
import { ProviderRates, RATE_MARGIN_MS } from "../src/use-cases/provider-rates";
import { startGatewayPeer, type GatewayPeer } from "./support/gateway-peer";
import { EFFECT_TIMEOUT_MS, startNotification, type NotificationHarness } from "./support/notification-harness";

const SMS_PER_SECOND = 3;
const MESSAGES = 12;

describe("provider rates", () => {
  it("start at most the rate within any second, per provider, and leave unlimited ones alone", () => {
    let now = 10_000;
    const rates = new ProviderRates({ sms: 2, smtp: 0 }, () => now);
    expect([rates.tryTake("sms"), rates.tryTake("sms"), rates.tryTake("sms")]).toEqual([true, true, false]);
    now += 999;
    expect(rates.tryTake("sms")).toBe(false);
    now += 1;
    expect([rates.tryTake("sms"), rates.tryTake("sms"), rates.tryTake("sms")]).toEqual([true, true, false]);
    for (let i = 0; i < 100; i += 1) expect(rates.tryTake("smtp")).toBe(true);
    expect(rates.tryTake("webhook")).toBe(true);
  });

  it("space the calls, in the order they asked, so that any rate+1 of them span more than a second", async () => {
    jest.useFakeTimers({ now: 50_000 });
    try {
      const rates = new ProviderRates({ sms: 3 }, () => Date.now());
      const calledAt: number[] = [];
      const waits = Array.from({ length: 7 }, (_, i) =>
        rates.pace("sms").then(() => calledAt.push(i === calledAt.length ? Date.now() : Number.NaN)),
      );
      await jest.advanceTimersByTimeAsync(5_000);
      await Promise.all(waits);
      const interval = (1_000 + RATE_MARGIN_MS) / 3;
      // The first at once, each next one its interval later (never before: a timer's fraction is rounded up).
      expect(calledAt[0]).toBe(50_000);
      for (let i = 1; i < calledAt.length; i += 1) {
        expect(calledAt[i]! - 50_000).toBeGreaterThanOrEqual(i * interval);
        expect(calledAt[i]! - 50_000).toBeLessThan(i * interval + 2);
      }
      // So any four of them, the rate and one more, span more than the second and its margin.
      for (let i = 0; i + 3 < calledAt.length; i += 1)
        expect(calledAt[i + 3]! - calledAt[i]!).toBeGreaterThanOrEqual(1_000 + RATE_MARGIN_MS);
      // Right before the calls: whatever delayed the earlier ones (a commit), a call waits until the one three
      // calls before it left a second and the margin ago.
      const leftAt: number[] = [];
      const start = Date.now();
      const calls = Array.from({ length: 4 }, () => rates.call("sms").then(() => leftAt.push(Date.now() - start)));
      await jest.advanceTimersByTimeAsync(5_000);
      await Promise.all(calls);
      expect(leftAt).toEqual([0, 0, 0, 1_000 + RATE_MARGIN_MS]);
      // Unlimited: no wait at all.
      const before = Date.now();
      await rates.pace("zns");
      await rates.call("zns");
      expect(Date.now()).toBe(before);
    } finally {
      jest.useRealTimers();
    }
  });
});

/**
 * The SMS gateway's rate (NOTIFICATION_RATE_SMS_PER_SECOND) holds at the
 * gateway: a test gateway counts arrivals per second; every message arrives
 * (none dropped), the excess later, and the metrics show what waited.
 */
describe("notification: a provider's rate holds at its peer", () => {
  let peer: GatewayPeer;
  let harness: NotificationHarness;

  beforeAll(async () => {
    peer = await startGatewayPeer();
    harness = await startNotification({
      SMS_GATEWAY_URL: peer.smsUrl,
      SMS_GATEWAY_TOKEN: "sms-gateway-token-0f3b9e2d7c1a",
      SMS_BRAND_NAME: "UBND.MLAT",
      NOTIFICATION_RATE_SMS_PER_SECOND: String(SMS_PER_SECOND),
      NOTIFICATION_GATEWAY_TIMEOUT_MS: "60000",
    });
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    await peer?.close();
  });

  it(
    `sends ${MESSAGES} SMS at no more than ${SMS_PER_SECOND} a second, every one of them; the wait shows in the metrics`,
    async () => {
      const phones = Array.from({ length: MESSAGES }, (_, i) => `09120003${String(i).padStart(2, "0")}`);
      const dossiers = [];
      for (const phone of phones) dossiers.push(await harness.submit({ applicant: { phone } }));
      // All at once: every acceptance is due together.
      await Promise.all(dossiers.map(async (dossier) => harness.handled(await harness.accept(dossier))));
      await waitFor(() => phones.every((phone) => peer.forPhone(phone, "sms").length === 1), {
        description: `all ${MESSAGES} SMS at the gateway`,
        timeoutMs: 2 * EFFECT_TIMEOUT_MS,
      });
      const arrivals = phones.map((phone) => peer.forPhone(phone, "sms")[0]!.arrivedAt).sort((a, b) => a - b);
      // Any second the gateway counts, sliding, holds at most the rate: every closed window [t, t + 1 s] that starts
      // at an arrival. The service leaves RATE_MARGIN_MS in each second for the jitter between a call leaving and
      // arriving on a busy machine; the check itself has none.
      const mostInOneSecond = Math.max(
        ...arrivals.map((at) => arrivals.filter((t) => t >= at && t <= at + 1_000).length),
      );
      expect(mostInOneSecond).toBeLessThanOrEqual(SMS_PER_SECOND);
      // Unlimited, all 12 would arrive within a second; at 3 a second the last comes at least 3 seconds after the first.
      expect(arrivals[arrivals.length - 1]! - arrivals[0]!).toBeGreaterThanOrEqual(
        ((MESSAGES - SMS_PER_SECOND) / SMS_PER_SECOND) * 1_000,
      );
      const metrics = await (await fetch(`${harness.running.opsUrl}/metrics`)).text();
      const deferrals = /^notification_rate_limit_deferrals_total\{[^}]*provider="sms"[^}]*\} (\d+)/m.exec(metrics);
      expect(Number(deferrals?.[1])).toBeGreaterThan(0);
      expect(metrics).toMatch(/^notification_rate_limit_deferrals_total\{[^}]*provider="smtp"[^}]*\} 0$/m);
    },
    3 * EFFECT_TIMEOUT_MS,
  );
});
