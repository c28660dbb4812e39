import type { Context } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/**
 * Attributes the HTTP and gRPC instrumentations record that can carry
 * personal data or secrets (DOMAIN.md §7): query strings (the public lookup's
 * second factor), full URLs, the caller's address and user agent. Removed
 * from every span before any exporter or the in-memory store sees it; route
 * paths and ids stay.
 */
export const SCRUBBED_ATTRIBUTES: ReadonlySet<string> = new Set([
  "url.query",
  "url.full",
  "http.url",
  "http.target",
  "client.address",
  "network.peer.address",
  "network.peer.port",
  "net.peer.ip",
  "net.peer.port",
  "net.sock.peer.addr",
  "net.sock.peer.port",
  "http.client_ip",
  "user_agent.original",
  "http.user_agent",
]);

/** Wraps the exporting processor: spans reach it scrubbed. */
export class ScrubbingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // The SDK hands the ended span's own attribute record; nothing reads it before the processors.
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of Object.keys(attributes)) if (SCRUBBED_ATTRIBUTES.has(key)) delete attributes[key];
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
