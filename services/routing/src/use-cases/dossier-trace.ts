import { extractTraceContext } from "@lienthong/messaging";
import { SpanStatusCode, context, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("routing");

/**
 * Runs `work` in a span of the dossier's own trace (its stored traceparent is
 * the parent), linked to whatever span is active now (an official's request),
 * so one dossier is one trace however many days pass between its steps.
 * Attributes carry ids only (DOMAIN.md §7).
 */
export function inDossierTrace<T>(
  dossier: { dossierId: string; traceparent: string },
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const caller = trace.getActiveSpan()?.spanContext();
  const parent = dossier.traceparent ? extractTraceContext({ traceparent: dossier.traceparent }) : context.active();
  return tracer.startActiveSpan(
    name,
    { links: caller ? [{ context: caller }] : [], attributes: { "lienthong.dossier_id": dossier.dossierId } },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : "error" });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
