/** A rendered mail to one applicant. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
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

/** A delivery failed; `retriable` false means retrying cannot help (e.g. HTTP 4xx other than 408/429). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}
