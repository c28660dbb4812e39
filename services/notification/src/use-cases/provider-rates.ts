import { events } from "@lienthong/contracts";

const { DeliveryChannel } = events;

/** The providers notification calls, each with its own rate (the SMTP server, the SMS gateway, Zalo, communes). */
export const PROVIDERS = ["smtp", "sms", "zns", "webhook"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Which provider a delivery's channel calls. */
export const PROVIDER_OF_CHANNEL: ReadonlyMap<number, Provider> = new Map([
  [DeliveryChannel.DELIVERY_CHANNEL_EMAIL, "smtp"],
  [DeliveryChannel.DELIVERY_CHANNEL_SMS, "sms"],
  [DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS, "zns"],
  [DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK, "webhook"],
]);

/**
 * At most `perSecond` calls started within any second (a sliding window of
 * the last starts): a gateway's "N messages a second" holds whichever second
 * it counts. Real time, not the service's clock: the provider counts in it.
 */
class SlidingWindow {
  private readonly starts: number[] = [];

  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number,
  ) {}

  tryTake(): boolean {
    const now = this.clock();
    while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - 1_000) this.starts.shift();
    if (this.starts.length >= this.perSecond) return false;
    this.starts.push(now);
    return true;
  }
}

/**
 * What the spacing leaves a provider's window, per second: the calls of any
 * rate+1 in a row span at least 1 s plus this, so a call that reaches the
 * provider up to this much later than the one `rate` calls before it (a
 * busy event loop, the network) still leaves at most `rate` in any second the
 * provider counts. Cost: about 9 % under the configured rate.
 */
export const RATE_MARGIN_MS = 100;

/**
 * Calls spaced at least (1000 + RATE_MARGIN_MS)/perSecond ms apart, in the
 * order they asked: each waits for its slot. The window above bounds how many
 * are started (and so how long one waits here: about a second); this spacing
 * holds the rate where the provider counts it, after the varying time a start
 * takes to reach the call (a lookup, a commit).
 */
class Spacing {
  private nextSlot = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: () => number,
  ) {}

  async wait(): Promise<void> {
    const now = this.clock();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    // Timers count whole milliseconds and drop the fraction: rounded up, a call never leaves before its slot.
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, Math.ceil(slot - now)));
  }
}

/**
 * The last calls, as a sliding window: a call waits until the one `perSecond`
 * calls before it left at least `windowMs` ago. Taken right before the call,
 * after the lease commit that follows the spacing's slot: its wait absorbs the
 * commit's varying time (a busy disk), so any window the provider counts still
 * holds the rate; it is short, since the spacing already spread the calls.
 */
class CallWindow {
  private readonly calls: number[] = [];

  constructor(
    private readonly perSecond: number,
    private readonly windowMs: number,
    private readonly clock: () => number,
  ) {}

  async wait(): Promise<void> {
    const now = this.clock();
    const full = this.calls.length >= this.perSecond;
    const earliest = full ? (this.calls[this.calls.length - this.perSecond] ?? now) + this.windowMs : now;
    const at = Math.max(now, earliest, this.calls.at(-1) ?? now);
    this.calls.push(at);
    if (this.calls.length > this.perSecond) this.calls.shift();
    if (at > now) await new Promise((resolve) => setTimeout(resolve, Math.ceil(at - now)));
  }
}

/**
 * Each provider's rate. A delivery over its provider's rate is not started:
 * it stays due (never dropped) and is taken up by a later round, once the
 * window has room; other providers' deliveries go on meanwhile. The calls of
 * those started are then spaced evenly.
 */
export class ProviderRates {
  private readonly windows = new Map<Provider, SlidingWindow>();
  private readonly spacings = new Map<Provider, Spacing>();
  private readonly callWindows = new Map<Provider, CallWindow>();

  /** Calls a second per provider; 0 or absent: no limit. */
  constructor(perSecond: Partial<Record<Provider, number>>, clock: () => number = () => Date.now()) {
    for (const provider of PROVIDERS) {
      const rate = perSecond[provider] ?? 0;
      if (rate > 0) {
        this.windows.set(provider, new SlidingWindow(rate, clock));
        this.spacings.set(provider, new Spacing((1_000 + RATE_MARGIN_MS) / rate, clock));
        this.callWindows.set(provider, new CallWindow(rate, 1_000 + RATE_MARGIN_MS, clock));
      }
    }
  }

  /** Whether any provider has a rate: without one, no provider's deliveries can wait behind the others'. */
  get limited(): boolean {
    return this.windows.size > 0;
  }

  /** True when a call to the provider may start now (and counts it); false when it must wait. */
  tryTake(provider: Provider): boolean {
    return this.windows.get(provider)?.tryTake() ?? true;
  }

  /** Resolves at the call's slot: before a phone message's lease is committed, so no wait leaves it "sending". */
  async pace(provider: Provider): Promise<void> {
    await this.spacings.get(provider)?.wait();
  }

  /** Resolves when the provider may be called now: right before the call (a wait of a commit's jitter at most). */
  async call(provider: Provider): Promise<void> {
    await this.callWindows.get(provider)?.wait();
  }
}
