import { callGateway } from "./gateway-http";
import { DeliveryError, type ZnsSender, type ZnsTemplateMessage } from "./ports";

export interface ZnsConfig {
  url: string;
  /** The official account's access token; never logged. */
  accessToken: string;
  timeoutMs: number;
  receipts: boolean;
}

/** Zalo's "Unknown error, try again later" (zalo.cloud/zns/guidelines/handle-error-code): whether it sent is unknown. */
const UNKNOWN_ERROR = -100;

/**
 * Zalo's errors that are our configuration, not the message: the application
 * invalid, missing, not activated, its secret key invalid, or not linked to
 * an official account (-101 to -105, same page). An operator fixes them, and
 * the message waits (retried until the horizon) instead of every ZNS falling
 * back to SMS at once. An expired access token answered with HTTP 401/403 is
 * treated alike (callGateway, withToken).
 */
const CONFIGURATION_ERRORS: ReadonlySet<number> = new Set([-101, -102, -103, -104, -105]);

/**
 * Zalo ZNS through its template API: POST `{phone, template_id,
 * template_data, tracking_id}` with the `access_token` header. Zalo answers
 * HTTP 200 with a numeric `error`: 0 when it took the message, -100 when it
 * does not know (outcome unknown), a configuration error of ours (temporary,
 * see CONFIGURATION_ERRORS), or a refusal of the message (the number has no
 * Zalo account, the template is not approved, the quota is spent…), which is
 * permanent and falls back to SMS. An answer without a numeric `error` leaves
 * the outcome unknown. The error code is kept, Zalo's message is not (it may
 * repeat the number).
 */
export class ZaloZnsSender implements ZnsSender {
  constructor(private readonly config: ZnsConfig) {}

  get receipts(): boolean {
    return this.config.receipts;
  }

  async send(message: ZnsTemplateMessage): Promise<void> {
    const response = await callGateway("ZNS", this.config.url, {
      headers: { access_token: this.config.accessToken },
      body: JSON.stringify({
        phone: message.phone,
        template_id: message.templateId,
        template_data: message.data,
        tracking_id: message.trackingId,
      }),
      timeoutMs: this.config.timeoutMs,
      withToken: true,
    });
    const error = await response.json().then(
      (answer: unknown) => (answer as { error?: unknown } | null)?.error,
      () => undefined,
    );
    if (typeof error !== "number" || !Number.isInteger(error))
      throw new DeliveryError("ZNS answered without a result code", true, true);
    if (error === 0) return;
    if (error === UNKNOWN_ERROR) throw new DeliveryError(`ZNS answered error ${error} (unknown)`, true, true);
    if (CONFIGURATION_ERRORS.has(error))
      throw new DeliveryError(`ZNS refused our application (error ${error}): its configuration must be fixed`, true);
    throw new DeliveryError(`ZNS refused the message (error ${error})`, false);
  }
}
