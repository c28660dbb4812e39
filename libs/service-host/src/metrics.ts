import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
} from "prom-client";
import { exportRegistry } from "./telemetry";

/**
 * Label names that would turn a metric into a register of people (DOMAIN.md
 * §7). Compared case-insensitively with `_` and `-` removed.
 */
const personalLabelNames = new Set([
  "citizenid",
  "cccd",
  "name",
  "fullname",
  "phone",
  "phonenumber",
  "email",
  "address",
]);
const personalLabelParts = ["citizen", "phone", "email", "address", "fullname"];

export class PersonalLabelError extends Error {
  override readonly name = "PersonalLabelError";
  constructor(metric: string, label: string) {
    super(`metric ${metric}: label "${label}" would carry personal data; label by code or unit instead`);
  }
}

export function isPersonalLabel(label: string): boolean {
  const normalized = label.toLowerCase().replace(/[_-]/g, "");
  return personalLabelNames.has(normalized) || personalLabelParts.some((part) => normalized.includes(part));
}

export interface ServiceMetrics {
  readonly registry: Registry;
  counter: <L extends string>(config: CounterConfiguration<L>) => Counter<L>;
  gauge: <L extends string>(config: GaugeConfiguration<L>) => Gauge<L>;
  histogram: <L extends string>(config: HistogramConfiguration<L>) => Histogram<L>;
  /**
   * For a stopping service, before its store and bus close: reads the registry
   * one last time for the OTLP export, which sends that reading from then on
   * (the stopped service's gauges could no longer be read). Nothing without
   * OTLP export.
   */
  finalReading: () => Promise<void>;
}

export interface MetricsOptions {
  service: string;
  /** Process metrics (CPU, memory, event loop, GC); on by default. */
  collectDefaults?: boolean;
}

/**
 * A registry whose every series carries `service`, and metric factories that
 * refuse personal label names. Asking twice for the same name returns the
 * metric already registered, so two components may share one. Scraped at
 * /metrics; also pushed over OTLP when the process's telemetry does that.
 */
export function createMetrics(options: MetricsOptions): ServiceMetrics {
  const registry = new Registry();
  const labels = { service: options.service };
  registry.setDefaultLabels(labels);
  const finalReading = exportRegistry(registry, labels);
  if (options.collectDefaults ?? true) collectDefaultMetrics({ register: registry });

  function make<M extends Metric, C extends { name: string; labelNames?: readonly string[] }>(
    kind: new (config: C) => M,
    config: C,
  ): M {
    for (const label of config.labelNames ?? []) {
      if (isPersonalLabel(label)) throw new PersonalLabelError(config.name, label);
    }
    const existing = registry.getSingleMetric(config.name);
    if (existing instanceof kind) return existing;
    if (existing) throw new Error(`metric ${config.name} is already registered as another type`);
    return new kind({ ...config, registers: [registry] });
  }

  return {
    registry,
    counter: (config) => make(Counter, config),
    gauge: (config) => make(Gauge, config),
    histogram: (config) => make(Histogram, config),
    finalReading,
  };
}
