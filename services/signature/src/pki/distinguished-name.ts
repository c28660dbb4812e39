import { X509Certificate } from "node:crypto";

/**
 * A certificate's subject or issuer as one line, most specific part first
 * (RFC 4514 order), e.g. "CN=Chủ tịch UBND xã, O=LiênThông test, C=VN".
 * Node prints the name one attribute per line, root-most first, with RFC 2253
 * escaping and UTF-8 kept, so only the order and separator change here.
 */
export function formatDistinguishedName(multiline: string): string {
  return multiline
    .split("\n")
    .filter((part) => part.length > 0)
    .reverse()
    .join(", ");
}

export function certificateSubject(certificate: X509Certificate | string): string {
  const x509 = typeof certificate === "string" ? new X509Certificate(certificate) : certificate;
  return formatDistinguishedName(x509.subject);
}

/** The common name alone, for short human-readable reports. */
export function commonName(multiline: string): string | undefined {
  const line = multiline.split("\n").find((part) => part.startsWith("CN="));
  return line?.slice("CN=".length);
}
