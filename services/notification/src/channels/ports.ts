/** A rendered mail to one applicant. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The same message in HTML (every value escaped), sent as the alternative part; absent on mail planned before it. */
  html?: string;
  /** A stable id so a retried send can be recognised by the receiving side. */
  messageId: string;
}

export interface MailSender {
  /** Resolves once the message was accepted by the mail server (or captured locally). */
  send(mail: Mail): Promise<void>;
}

/** Where one commune system receives its webhooks, and the secrets they are signed with. */
export interface WebhookEndpoint {
  /** A digest of the URL: names the endpoint in records, events, metrics and logs, where the URL (it may carry a token) never goes. */
  id: string;
  url: string;
  /** `[current, previous?]`: the call carries one signature per secret, so a receiver holding either verifies during a rotation. */
  secrets: readonly string[];
}

/** A lifecycle notification for a commune system. */
export interface WebhookCall {
  endpoint: WebhookEndpoint;
  /** Standard Webhooks message id: the receiver's idempotency key. */
  id: string;
  body: string;
}

export interface WebhookSender {
  send(call: WebhookCall): Promise<void>;
}

/** An SMS to one applicant's phone. */
export interface Sms {
  /** 84… form (see gatewayPhone). */
  phone: string;
  text: string;
  /** Whether the text is UCS-2 (it carries diacritics): the gateway sends it as unicode. */
  unicode: boolean;
  /** The gateway deduplicates on it: a retry (after a timeout, after a crash) is one message. */
  requestId: string;
}

/** A ZNS template message to one applicant's phone. */
export interface ZnsTemplateMessage {
  phone: string;
  templateId: string;
  data: Record<string, string>;
  /**
   * Zalo's tracking_id: its receipts name it. Zalo documents it for
   * reconciliation, not as an idempotency key, so a ZNS call is never
   * repeated once its outcome is unknown (docs/decisions.md §53).
   */
  trackingId: string;
}

/** A provider that answers whether it took a message; what becomes of it comes later, in a receipt (if any). */
export interface ReceiptingSender<M> {
  /** Resolves once the provider accepted the message; throws DeliveryError otherwise. */
  send(message: M): Promise<void>;
  /** Whether its receipts are authenticated and read: without, an accepted message is final ("sent"). */
  readonly receipts: boolean;
}

export type SmsSender = ReceiptingSender<Sms>;
export type ZnsSender = ReceiptingSender<ZnsTemplateMessage>;

/**
 * A delivery failed; `retriable` false means retrying cannot help (e.g. HTTP
 * 4xx other than 408/429). `outcomeUnknown`: the provider may have taken the
 * message all the same (no answer in time, the connection lost after the
 * request went, a 5xx other than 503): only a provider that deduplicates on
 * the request id may be called again with it.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly outcomeUnknown = false,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}
