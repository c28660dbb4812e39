import { callGateway } from "./gateway-http";
import type { Sms, SmsSender } from "./ports";

export interface SmsGatewayConfig {
  url: string;
  /** Sent as a bearer token; never logged. */
  token: string;
  brandName: string;
  timeoutMs: number;
  receipts: boolean;
}

/**
 * SMS through a brand-name gateway's HTTP API, one JSON POST per message:
 * `{requestId, brandName, phone, text, unicode}` with the token as a bearer
 * token. Any 2xx means the gateway took it. The contract requires the
 * gateway to deduplicate on requestId: a repeated id is answered 2xx (or 409,
 * which counts as taken) and sends nothing (a retry of a timed-out call is the
 * same message); it reports the outcome to POST /v1/delivery-receipts/sms. A
 * gateway with another API is put behind this contract by its own small adapter.
 */
export class HttpSmsGateway implements SmsSender {
  constructor(private readonly config: SmsGatewayConfig) {}

  get receipts(): boolean {
    return this.config.receipts;
  }

  async send(sms: Sms): Promise<void> {
    const response = await callGateway("SMS gateway", this.config.url, {
      headers: { authorization: `Bearer ${this.config.token}` },
      body: JSON.stringify({
        requestId: sms.requestId,
        brandName: this.config.brandName,
        phone: sms.phone,
        text: sms.text,
        unicode: sms.unicode,
      }),
      timeoutMs: this.config.timeoutMs,
      alreadyTaken: [409],
      withToken: true,
    });
    await response.discard();
  }
}
