import { ValueType, type Attributes, type HrTime } from "@opentelemetry/api";
import { hrTime } from "@opentelemetry/core";
import { emptyResource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import type { Registry } from "prom-client";

// Imported before the application (telemetry.ts): prom-client is only a type here.

/** The instrumentation scope the bridged series are exported under. */
const PROM_CLIENT_SCOPE = { name: "@lienthong/service-host/prom-client" };

/** prom-client's value of one series: its labels (`le` on a histogram's buckets) and, for histograms, which part. */
interface PromValue {
  value: number;
  labels: Partial<Record<string, string | number>>;
  metricName?: string;
}

interface Source {
  registry: Registry;
  /** The labels the registry adds to every series (prom-client keeps its default labels private). */
  labels: Record<string, string>;
  /** When the registry's counters and histograms started from zero: the start of every cumulative point. */
  since: HrTime;
  /** The registry's last reading, once its service stopped: exported as it is from then on. */
  final?: MetricData[];
}

/**
 * An OpenTelemetry MetricProducer over prom-client registries, so a
 * PeriodicExportingMetricReader pushes over OTLP the very series /metrics
 * serves. Counters become monotonic cumulative sums, gauges gauges, histograms
 * cumulative explicit-bucket histograms (prom-client's buckets); labels become
 * attributes. Summaries are skipped: the SDK's data model has no summary type
 * (none of the platform's metrics is one). Series of the same name from several
 * registries (embedded mode: one per service) are one metric whose points the
 * `service` attribute tells apart.
 */
export class PromClientProducer implements MetricProducer {
  private readonly sources = new Set<Source>();

  /**
   * Exports `registry` from now on; `labels` are the default labels it was
   * given (`service`). The function returned reads the registry one last time,
   * while its service can still answer (store and bus open), and has that
   * reading exported from then on, until the process's last export.
   */
  add(registry: Registry, labels: Record<string, string>): () => Promise<void> {
    const source: Source = { registry, labels, since: hrTime() };
    this.sources.add(source);
    return async () => {
      // What cannot be read even now is left out of the last exports, as at any collection.
      source.final = await read(source, hrTime(), []);
    };
  }

  async collect(): Promise<CollectionResult> {
    const byName = new Map<string, MetricData>();
    const errors: unknown[] = [];
    const endTime = hrTime();
    for (const source of this.sources) {
      for (const metric of source.final ?? (await read(source, endTime, errors))) merge(byName, metric);
    }
    return {
      resourceMetrics: {
        // The reader keeps the SDK's resource (the spans' one) and ignores this.
        resource: emptyResource(),
        scopeMetrics: [{ scope: PROM_CLIENT_SCOPE, metrics: [...byName.values()] }],
      },
      errors,
    };
  }
}

/** The registry's series as OTel metric data; what could not be read goes to `errors`. */
async function read(source: Source, endTime: HrTime, errors: unknown[]): Promise<MetricData[]> {
  const metrics = source.registry
    .getMetricsAsArray()
    .map(({ name }) => source.registry.getSingleMetric(name))
    .filter((metric) => metric !== undefined);
  // One metric at a time, not registry.getMetricsAsJSON(): a gauge whose
  // collect() fails (a store that cannot answer) costs that gauge, not every
  // series of the service.
  const results = await Promise.allSettled(metrics.map((metric) => metric.get()));
  const converted: MetricData[] = [];
  for (const result of results) {
    if (result.status === "rejected") {
      errors.push(result.reason);
      continue;
    }
    const { name, help, values } = result.value;
    // prom-client's typings declare a numeric enum; at run time `type` is "counter", "gauge"...
    const type = String(result.value.type);
    const points = { source, endTime, values: values as PromValue[] };
    if (type === "counter") converted.push(sum(name, help, points));
    else if (type === "gauge") converted.push(gauge(name, help, points));
    else if (type === "histogram") converted.push(histogram(name, help, points));
  }
  return converted;
}

interface Points {
  source: Source;
  endTime: HrTime;
  values: PromValue[];
}

function descriptor(name: string, help: string) {
  // Unit left empty: the name already carries it (_seconds, _bytes), as Prometheus names do.
  return { name, description: help, unit: "", valueType: ValueType.DOUBLE };
}

/** The series' labels with the registry's default ones, as /metrics shows them (a series' own label wins). */
function attributesOf(labels: PromValue["labels"], defaults: Record<string, string>): Attributes {
  const attributes: Attributes = { ...defaults };
  for (const [key, value] of Object.entries(labels)) {
    if (value !== undefined) attributes[key] = String(value);
  }
  return attributes;
}

function point<T>({ source, endTime }: Points, labels: PromValue["labels"], value: T): DataPoint<T> {
  return { startTime: source.since, endTime, attributes: attributesOf(labels, source.labels), value };
}

function sum(name: string, help: string, points: Points): MetricData {
  return {
    descriptor: descriptor(name, help),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points.values.map((v) => point(points, v.labels, v.value)),
  };
}

function gauge(name: string, help: string, points: Points): MetricData {
  return {
    descriptor: descriptor(name, help),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: points.values.map((v) => point(points, v.labels, v.value)),
  };
}

/**
 * prom-client lists a histogram as `_bucket` values (cumulative, one per `le`,
 * the last "+Inf"), `_sum` and `_count`, per label set; OTLP wants per label
 * set the finite bounds and each bucket's own count.
 */
function histogram(name: string, help: string, points: Points): MetricData {
  const series = new Map<string, { labels: PromValue["labels"]; bounds: number[]; cumulative: number[] } & Histogram>();
  for (const { value, labels, metricName } of points.values) {
    const { le, ...own } = labels;
    const key = JSON.stringify(Object.entries(own).sort(([a], [b]) => a.localeCompare(b)));
    let entry = series.get(key);
    if (!entry) {
      entry = { labels: own, bounds: [], cumulative: [], buckets: { boundaries: [], counts: [] }, count: 0 };
      series.set(key, entry);
    }
    if (metricName === `${name}_sum`) entry.sum = value;
    else if (metricName === `${name}_count`) entry.count = value;
    else if (le !== undefined && le !== "+Inf") {
      entry.bounds.push(Number(le));
      entry.cumulative.push(value);
    }
  }
  return {
    descriptor: descriptor(name, help),
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [...series.values()].map(({ labels, bounds, cumulative, sum, count }) => {
      // The +Inf bucket holds what no finite bound took: the count minus the last cumulative value.
      const counts = [...cumulative, count].map((total, i) => total - (i === 0 ? 0 : (cumulative[i - 1] ?? 0)));
      const value: Histogram = { buckets: { boundaries: bounds, counts }, count, ...(sum !== undefined && { sum }) };
      return point(points, labels, value);
    }),
  };
}

/** Adds `metric`'s points to the metric of the same name and kind, if another registry already had it. */
function merge(byName: Map<string, MetricData>, metric: MetricData): void {
  const key = `${metric.descriptor.name} ${metric.dataPointType}`;
  const existing = byName.get(key);
  if (existing) (existing.dataPoints as DataPoint<unknown>[]).push(...(metric.dataPoints as DataPoint<unknown>[]));
  // A copy: `metric` may be a stopped service's final reading, exported again at every collection.
  else byName.set(key, { ...metric, dataPoints: [...metric.dataPoints] } as MetricData);
}
