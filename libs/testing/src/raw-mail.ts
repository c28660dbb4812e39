/**
 * Reads a received message the way a mail client shows it: headers unfolded,
 * RFC 2047 encoded words decoded, the body's transfer encoding undone and its
 * bytes read as the declared charset. Only what notification sends is
 * understood (one text/plain part in UTF-8, or that and a text/html one as
 * multipart/alternative); anything else fails loudly, so a
 * change of format shows up as a failing test instead of a garbled match.
 */
export interface ReadMail {
  /** Lower-cased header name → unfolded raw value (first occurrence). */
  headers: Map<string, string>;
  subject: string;
  from: string;
  text: string;
  /** The HTML alternative, when the message has one. */
  html?: string;
}

const ENCODED_WORD = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;

export function readMail(raw: Buffer): ReadMail {
  // Every byte as one character, so nothing is reinterpreted before the charset is known.
  const { headers, body } = split(raw.toString("latin1"));
  const contentType = headers.get("content-type") ?? "";
  const common = {
    headers,
    subject: decodeHeader(headers.get("subject") ?? ""),
    from: decodeHeader(headers.get("from") ?? ""),
  };
  if (/^multipart\/alternative\b/i.test(contentType)) {
    // A plain-text part and an HTML one (notification's mail since templates have both), each read as a message.
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) throw new Error(`multipart/alternative without a boundary: "${contentType}"`);
    const parts = body
      .split(`--${boundary}`)
      .slice(1, -1)
      .map((part) => split(part.replace(/^\r?\n/, "")));
    const plain = parts.find((part) => /^text\/plain\b/i.test(part.headers.get("content-type") ?? ""));
    const html = parts.find((part) => /^text\/html\b/i.test(part.headers.get("content-type") ?? ""));
    if (!plain || !html) throw new Error("expected a text/plain and a text/html part in multipart/alternative");
    return { ...common, text: partText(plain), html: partText(html) };
  }
  if (!/^text\/plain\b/i.test(contentType)) throw new Error(`expected a text/plain message, got "${contentType}"`);
  return { ...common, text: partText({ headers, body }) };
}

/** Headers (unfolded, names lower-cased, first occurrence) and body of a message or a MIME part. */
function split(source: string): { headers: Map<string, string>; body: string } {
  const separator = /\r?\n\r?\n/.exec(source);
  if (!separator) throw new Error("the message has no header/body separator");
  const head = source.slice(0, separator.index);
  const headers = new Map<string, string>();
  // Unfolding removes the line break, not the whitespace after it (RFC 5322 §2.2.3).
  for (const line of head.replace(/\r?\n(?=[ \t])/g, "").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body: source.slice(separator.index + separator[0].length) };
}

/** A text part's content: UTF-8 required, its transfer encoding undone, CRLF read as LF. */
function partText(part: { headers: Map<string, string>; body: string }): string {
  const contentType = part.headers.get("content-type") ?? "";
  if (!/charset="?utf-8"?/i.test(contentType)) throw new Error(`expected charset utf-8, got "${contentType}"`);
  const transferEncoding = (part.headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  return decodeBody(part.body.replace(/\r?\n$/, ""), transferEncoding).replace(/\r\n/g, "\n");
}

/** Decodes RFC 2047 words; adjacent words are joined as bytes, so a character split across two still decodes. */
export function decodeHeader(value: string): string {
  // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
  const joined = value.replace(/\?=\s+(?==\?)/g, "?=");
  let decoded = "";
  let pending: number[] = [];
  let last = 0;
  for (const match of joined.matchAll(ENCODED_WORD)) {
    const [word, charset = "", encoding = "", text = ""] = match;
    if (charset.toLowerCase() !== "utf-8") throw new Error(`unexpected charset ${charset} in a header`);
    const between = joined.slice(last, match.index);
    if (between) {
      decoded += Buffer.from(pending).toString("utf8") + between;
      pending = [];
    }
    pending.push(...(encoding.toUpperCase() === "B" ? Buffer.from(text, "base64") : qBytes(text)));
    last = match.index + word.length;
  }
  return decoded + Buffer.from(pending).toString("utf8") + joined.slice(last);
}

/** The "Q" encoding of headers: quoted-printable where "_" stands for a space. */
function qBytes(text: string): number[] {
  return quotedPrintableBytes(text.replace(/_/g, "=20"));
}

function quotedPrintableBytes(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  return bytes;
}

function decodeBody(body: string, transferEncoding: string): string {
  switch (transferEncoding) {
    case "quoted-printable":
      // Soft line breaks ("=" at the end of a line) only wrap long lines.
      return Buffer.from(quotedPrintableBytes(body.replace(/=\r?\n/g, ""))).toString("utf8");
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "7bit":
    case "8bit":
      return Buffer.from(body, "latin1").toString("utf8");
    default:
      throw new Error(`unexpected Content-Transfer-Encoding ${transferEncoding}`);
  }
}
