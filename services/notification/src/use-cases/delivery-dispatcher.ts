import type { Logger } from "@lienthong/messaging";
import { loggableError } from "@lienthong/service-kit";
import { dispatchDueDeliveries, type DispatchChannels, type DispatchPolicy } from "./dispatch-deliveries";
import type { NotificationPorts } from "./ports";

/**
 * Runs dispatchDueDeliveries in the background: on a timer, and at once when
 * notify() says new deliveries were planned. stop() waits for the round in flight.
 */
export class DeliveryDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly ports: NotificationPorts,
    private readonly channels: DispatchChannels,
    private readonly policy: DispatchPolicy,
    private readonly logger: Logger,
    private readonly pollIntervalMs = 500,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  notify(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.again ? 0 : this.pollIntervalMs);
        this.again = false;
      });
    }, delayMs);
  }

  private async round(): Promise<void> {
    try {
      while (!this.stopped && (await dispatchDueDeliveries(this.ports, this.channels, this.policy, this.logger)) > 0);
    } catch (error) {
      this.logger.error(loggableError(error), "delivery round failed; retrying on the next tick");
    }
  }
}
