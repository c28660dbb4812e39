import type { Subscription } from "./port";

/** The subscriptions a bus has handed out and not yet closed, so that closing the bus closes them all. */
export class OpenSubscriptions {
  private readonly open = new Set<Subscription>();

  /** A subscription that forgets itself here when closed. */
  track(close: () => Promise<void>): Subscription {
    const subscription: Subscription = {
      close: async () => {
        this.open.delete(subscription);
        await close();
      },
    };
    this.open.add(subscription);
    return subscription;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((subscription) => subscription.close()));
  }
}
