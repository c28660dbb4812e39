import { useTranslation } from "react-i18next";
import type { DossierTrace, StoredSpan } from "../trace";

/** The parents above a span within its trace (0 for a root, or a span whose parent was not kept). */
function depthOf(span: StoredSpan, byId: ReadonlyMap<string, StoredSpan>): number {
  let depth = 0;
  for (let parent = span.parentSpanId; parent && byId.has(parent) && depth < 32; depth += 1) {
    parent = byId.get(parent)?.parentSpanId;
  }
  return depth;
}

/** One trace as a waterfall: a row per span, placed on the trace's time line, indented under its parent. */
export function Waterfall({ trace, services }: { trace: DossierTrace; services: readonly string[] }) {
  const { t } = useTranslation();
  const byId = new Map(trace.spans.map((span) => [span.spanId, span]));
  const start = Math.min(...trace.spans.map((span) => Date.parse(span.startTime)));
  const end = Math.max(...trace.spans.map((span) => Date.parse(span.endTime)));
  const total = Math.max(end - start, 1);
  const spanned = new Set(trace.spans.map((span) => span.service));
  return (
    <div className="waterfall" data-testid="waterfall" data-trace={trace.traceId}>
      <p className="muted">
        {t("dossier.traceIntro", {
          traceId: trace.traceId,
          spans: trace.spans.length,
          services: spanned.size,
          ms: total,
        })}{" "}
        {[...spanned].sort().map((service) => (
          <span key={service} className={`tag service-${services.indexOf(service)}`} data-trace-service={service}>
            {service}
          </span>
        ))}
      </p>
      <ol>
        {trace.spans.map((span) => {
          const left = ((Date.parse(span.startTime) - start) / total) * 100;
          const width = Math.max((span.durationMs / total) * 100, 0.4);
          return (
            <li key={span.spanId} className={span.status.code === "ERROR" ? "error" : undefined}>
              <span className="label" style={{ paddingLeft: `${depthOf(span, byId) * 0.75}rem` }} title={span.name}>
                <span className={`dot service-${services.indexOf(span.service)}`} />
                <span className="service">{span.service}</span> {span.name}
              </span>
              <span className="track">
                <span
                  className={`bar service-${services.indexOf(span.service)}`}
                  style={{ left: `${Math.min(left, 99.6)}%`, width: `${Math.min(width, 100 - Math.min(left, 99.6))}%` }}
                />
              </span>
              <span className="duration">{span.durationMs.toFixed(1)} ms</span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
