import { simpleParser, type Attachment } from "mailparser";

/** What a delivery status notification says of one of our messages. */
export interface DeliveryStatusNotification {
  /** The original message's Message-ID, without its angle brackets. */
  originalMessageId: string;
  /** RFC 3464 §2.3.3 action of its recipient: the final ones settle the message; `delayed` only informs. */
  action: "failed" | "delayed" | "delivered" | "relayed" | "expanded";
  /** The RFC 3463 status code (e.g. 5.1.1): a class and a reason, never an address. */
  status: string;
}

const ACTIONS = new Set(["failed", "delayed", "delivered", "relayed", "expanded"]);
const STATUS_CODE = /^[245]\.\d{1,3}\.\d{1,3}$/;

/** Why a message is not a DSN we can read: said without repeating any of it (it carries addresses). */
export class NotADsn extends Error {}

/**
 * Reads an RFC 3464 delivery status notification (a `multipart/report;
 * report-type=delivery-status`, as an MTA returns it to the envelope sender)
 * with mailparser: the `message/delivery-status` part gives each recipient's
 * Action and Status; the returned message or its headers (`message/rfc822`,
 * `text/rfc822-headers`, or their RFC 6533 `global` forms) give the original
 * Message-ID. notification sends each mail to one recipient, so the first
 * recipient block is the message's. Nothing else is kept: the Diagnostic-Code
 * and the recipient fields repeat the address.
 */
export async function readDsn(raw: Buffer): Promise<DeliveryStatusNotification> {
  const report = await simpleParser(raw, {
    keepDeliveryStatus: true,
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
  });
  const contentType = report.headers.get("content-type") as
    { value?: string; params?: Record<string, string> } | undefined;
  if (
    contentType?.value !== "multipart/report" ||
    contentType.params?.["report-type"]?.toLowerCase() !== "delivery-status"
  )
    throw new NotADsn("not a multipart/report of report-type delivery-status");
  const parts = report.attachments;
  const statusPart = parts.find((part) => /^message\/(global-)?delivery-status$/i.test(part.contentType));
  if (!statusPart) throw new NotADsn("has no message/delivery-status part");
  const recipient = recipientFields(statusPart.content.toString("utf8"));
  const action = recipient.get("action")?.toLowerCase() ?? "";
  const status = (recipient.get("status") ?? "").split(/\s/)[0] ?? "";
  if (!ACTIONS.has(action)) throw new NotADsn("its recipient block has no RFC 3464 Action");
  if (!STATUS_CODE.test(status)) throw new NotADsn("its recipient block has no RFC 3463 Status");
  const originalMessageId = await returnedMessageId(parts);
  if (!originalMessageId) throw new NotADsn("returns neither the original message nor its headers");
  return { originalMessageId, action: action as DeliveryStatusNotification["action"], status };
}

/**
 * The fields of the first per-recipient block of a delivery-status body:
 * blocks are separated by blank lines, the first is per-message (RFC 3464
 * §2.2), fields are header lines (folded lines unfolded). Names lower-cased.
 */
function recipientFields(body: string): Map<string, string> {
  const blocks = body
    .replace(/\r\n/g, "\n")
    .split(/\n[ \t]*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== "");
  const fields = new Map<string, string>();
  for (const line of (blocks[1] ?? "").replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}

/** The Message-ID of the message a DSN returns, whole or its headers only. */
async function returnedMessageId(parts: Attachment[]): Promise<string | undefined> {
  const returned = parts.find((part) =>
    /^(message\/(rfc822|global)|text\/rfc822-headers|message\/global-headers)$/i.test(part.contentType),
  );
  if (!returned) return undefined;
  // Headers alone parse as a message without a body.
  const original = await simpleParser(Buffer.concat([returned.content, Buffer.from("\r\n\r\n")]), {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
  });
  return original.messageId?.replace(/^<|>$/g, "");
}
