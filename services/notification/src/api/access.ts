import type { Access } from "@lienthong/service-host";

/**
 * What notification's endpoints ask of their callers. Which dossier a caller
 * may read is decided in src/auth/access.ts, for both transports alike.
 */

/**
 * A commune system or the portal by its API key, REST and gRPC: the dossiers it
 * received or is competent for. An operator's token it forwards reads any
 * dossier when the client acts for the operator's own unit (the province's
 * operations console): how operators reach the one gRPC method.
 */
export const COMMUNE_SYSTEM = { client: true } as const satisfies Access;

/** An operator's token alone (REST, the operators' route): any dossier. */
export const OPERATOR = { staff: ["operator"] } as const satisfies Access;

/**
 * An SMS or ZNS gateway reporting what became of a message: not a platform
 * client (it holds no API key), so the route is public to the host and
 * authenticated by the gateway's own signature (Standard Webhooks, with its
 * receipt secret), checked before anything is read or written.
 */
export const GATEWAY_RECEIPT = {
  public: "a gateway's delivery receipts, authenticated by its Standard Webhooks signature with the gateway's secret",
} as const satisfies Access;

/**
 * The mail server's bounces and delivery status notifications, posted by the
 * deployment's mailbox pipe (the envelope sender's mailbox, read by a script
 * or an MTA pipe transport): public to the host and authenticated by a
 * Standard Webhooks signature with MAIL_DSN_SECRET, as the gateways' receipts.
 */
export const MAIL_DSN = {
  public: "the mail server's delivery status notifications, authenticated by their Standard Webhooks signature",
} as const satisfies Access;
