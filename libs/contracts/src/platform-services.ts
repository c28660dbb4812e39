/**
 * The platform's services: the one list every place that names services reads
 * — the event catalog's topics, the service host, the embedded platform, the
 * CLI and its benchmarks, and the files `npm run platform:sync` generates
 * (docker-compose.yml's service section, Prometheus' scrape targets, the
 * Kafka topic script, the README's service table). `lienthong new service`
 * adds an entry above the marker line; nothing else lists services by hand.
 */
export interface PlatformService {
  /** Service name: the consumer group, ce_source, Mongo database suffix, data directory, OTel service name. */
  name: string;
  /** Its workspace package, which exports `createService` (its composition root). */
  package: string;
  /** What it owns, for the README and operators. */
  owns: string;
  /** Default ports; `lienthong start` counts up from the first service's. */
  httpPort: number;
  grpcPort: number;
  /** Metrics and probes for scrapers, apart from the public API. */
  opsPort: number;
  /** The topic it publishes its events to (named per producer and versioned, ARCHITECTURE.md §4). */
  topic: string;
  /**
   * The services whose topics it consumes, in its consumer group: the one place this is decided — its consumer,
   * its Kafka ACLs (infra/kafka/acls.sh, generated) and `lienthong topics` all read it.
   */
  consumes: readonly string[];
}

export const PLATFORM_SERVICES = [
  {
    name: "intake",
    package: "@lienthong/intake",
    owns: "applications, dossier codes (`<agency or unit code>-<yyMMdd>-<seq>`), the citizen-visible timeline",
    httpPort: 8081,
    grpcPort: 50051,
    opsPort: 9101,
    topic: "lienthong.intake.applications.v1",
    consumes: ["routing", "signature", "notification"],
  },
  {
    name: "routing",
    package: "@lienthong/routing",
    owns: "competent authority, appointment date, officials' decisions",
    httpPort: 8082,
    grpcPort: 50052,
    opsPort: 9102,
    topic: "lienthong.routing.dossiers.v1",
    consumes: ["intake", "signature"],
  },
  {
    name: "signature",
    package: "@lienthong/signature",
    owns: "result PDFs, signing keys (test PKI or PKCS#12), verification",
    httpPort: 8083,
    grpcPort: 50053,
    opsPort: 9103,
    topic: "lienthong.signature.documents.v1",
    consumes: ["routing"],
  },
  {
    name: "notification",
    package: "@lienthong/notification",
    owns: "mail to applicants, signed webhooks to commune systems, delivery status",
    httpPort: 8084,
    grpcPort: 50054,
    opsPort: 9104,
    topic: "lienthong.notification.deliveries.v1",
    consumes: ["intake", "routing", "signature"],
  },
  // lienthong new service: new entries go above this line.
] as const satisfies readonly PlatformService[];

export type ServiceName = (typeof PLATFORM_SERVICES)[number]["name"];

export function platformService(name: ServiceName): PlatformService {
  const service = PLATFORM_SERVICES.find((candidate) => candidate.name === name);
  if (!service) throw new Error(`"${name}" is not a platform service`);
  return service;
}

/** The topics a service consumes, in its consumer group (its `consumes`, as topics). */
export function consumedTopics(name: ServiceName): string[] {
  return platformService(name).consumes.map((producer) => {
    const topic = PLATFORM_SERVICES.find((service) => service.name === producer)?.topic;
    if (!topic) throw new Error(`${name} consumes "${producer}", which is not a platform service`);
    return topic;
  });
}

/** Each service's topic, by service name. */
export const Topics = Object.fromEntries(PLATFORM_SERVICES.map((service) => [service.name, service.topic])) as {
  [S in (typeof PLATFORM_SERVICES)[number] as S["name"]]: S["topic"];
};
