import * as fs from "node:fs";
import * as path from "node:path";
import {
  bindMounts,
  environmentOf,
  namedVolumeMounts,
  readCompose,
  readProperties,
  readYaml,
  repoRoot,
  serviceOf,
} from "./compose-file";

const compose = readCompose();

/** The four services and the ports the platform assigns them. */
const platformServices = {
  intake: { http: "8081", grpc: "50051" },
  routing: { http: "8082", grpc: "50052" },
  signature: { http: "8083", grpc: "50053" },
  notification: { http: "8084", grpc: "50054" },
} as const;
const platformServiceNames = Object.keys(platformServices) as (keyof typeof platformServices)[];

describe("docker-compose.yml references", () => {
  it("mounts only repository files that exist", () => {
    const mounts = bindMounts(compose);
    expect(mounts.length).toBeGreaterThan(0);
    const missing = mounts.filter((mount) => !fs.existsSync(path.join(repoRoot, mount.hostPath)));
    expect(missing).toEqual([]);
  });

  it("builds the service image from a Dockerfile that exists, whose COPY sources exist", () => {
    for (const name of platformServiceNames) {
      const build = serviceOf(compose, name).build;
      expect(build).toEqual({ context: ".", dockerfile: "infra/docker/Dockerfile" });
    }
    const dockerfile = fs.readFileSync(path.join(repoRoot, "infra/docker/Dockerfile"), "utf8");
    const sourcesFromContext = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(\S+) \S+$/gm)]
      .map((match) => match[1] ?? "")
      .filter((source) => source !== ".");
    expect(sourcesFromContext).toContain("infra/docker/readyz-probe.js");
    for (const source of sourcesFromContext) {
      expect(fs.existsSync(path.join(repoRoot, source))).toBe(true);
    }
  });

  it("keeps the readiness probe in the build context the .dockerignore leaves", () => {
    const ignoreRules = fs.readFileSync(path.join(repoRoot, ".dockerignore"), "utf8").split("\n");
    const infraExcluded = ignoreRules.lastIndexOf("infra");
    const probeIncluded = ignoreRules.lastIndexOf("!infra/docker/readyz-probe.js");
    expect(infraExcluded).toBeGreaterThanOrEqual(0);
    expect(probeIncluded).toBeGreaterThan(infraExcluded);
  });

  it("declares every named volume it mounts, mounts every one it declares, and lets one service write each", () => {
    const declared = Object.keys(compose.volumes ?? {});
    const mounts = namedVolumeMounts(compose);
    expect([...new Set(mounts.map((mount) => mount.volume))].sort()).toEqual([...declared].sort());
    for (const volume of declared) {
      const writers = mounts.filter((mount) => mount.volume === volume && !mount.readOnly).map((m) => m.service);
      expect({ volume, writers: writers.length }).toEqual({ volume, writers: 1 });
    }
  });

  it("lets every depends_on point at a defined service with a known condition", () => {
    const conditions = ["service_started", "service_healthy", "service_completed_successfully"];
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect({ name, dependency, defined: dependency in compose.services }).toEqual({
          name,
          dependency,
          defined: true,
        });
        expect(conditions).toContain(condition);
        if (condition === "service_healthy") {
          expect({ dependency, healthcheck: Boolean(serviceOf(compose, dependency).healthcheck) }).toEqual({
            dependency,
            healthcheck: true,
          });
        }
      }
    }
  });
});

describe("the four services", () => {
  it.each(platformServiceNames)("%s runs its own dist/main.js from the shared image", (name) => {
    const service = serviceOf(compose, name);
    expect(service.image).toBe("lienthong/services:local");
    expect(service.command).toEqual(["node", `services/${name}/dist/main.js`]);
  });

  it.each(platformServiceNames)("%s uses Kafka, MongoDB and the OTel collector", (name) => {
    const environment = environmentOf(compose, name);
    expect(environment).toMatchObject({
      NODE_ENV: "production",
      BUS: "kafka",
      STORE: "mongo",
      KAFKA_CREATE_TOPICS: "false",
      HTTP_HOST: "0.0.0.0",
      HTTP_PORT: platformServices[name].http,
      GRPC_PORT: platformServices[name].grpc,
      // Only signature opts out, for its test PKI: the province brings its leaders' certificates (infra/README.md).
      ALLOW_EMBEDDED_IN_PRODUCTION: name === "signature" ? "true" : "false",
    });
    const otlp = new URL(environment.OTEL_EXPORTER_OTLP_ENDPOINT ?? "");
    expect(otlp.protocol).toBe("http:");
    expect(compose.services).toHaveProperty(otlp.hostname);
    // OTLP/HTTP is served on 4318; 4317 is gRPC and would not answer HTTP.
    expect(otlp.port).toBe("4318");
  });

  it("names one database prefix, from which each service derives its own database (<MONGO_DB>_<service>)", () => {
    const prefixes = platformServiceNames.map((name) => environmentOf(compose, name).MONGO_DB);
    expect(new Set(prefixes)).toEqual(new Set(["lienthong"]));
  });

  it.each(platformServiceNames)("%s publishes its ports and reports health on /readyz", (name) => {
    const service = serviceOf(compose, name);
    const { http, grpc } = platformServices[name];
    expect(service.ports).toEqual([`127.0.0.1:${http}:${http}`, `127.0.0.1:${grpc}:${grpc}`]);
    expect(service.healthcheck?.test).toEqual(["CMD", "node", "/app/infra/docker/readyz-probe.js"]);
  });

  it.each(platformServiceNames)(
    "%s starts only after its credentials, principals, topics and the replica set",
    (name) => {
      expect(serviceOf(compose, name).depends_on).toMatchObject({
        credentials: { condition: "service_completed_successfully" },
        "kafka-init": { condition: "service_completed_successfully" },
        "mongo-init": { condition: "service_completed_successfully" },
      });
    },
  );

  it("keeps the signature PKI in a named volume at SIGNATURE_PKI_DIR", () => {
    const pkiDir = environmentOf(compose, "signature").SIGNATURE_PKI_DIR;
    const mount = namedVolumeMounts(compose).find(
      (candidate) => candidate.service === "signature" && candidate.volume === "signature-pki",
    );
    expect(mount).toEqual({ service: "signature", volume: "signature-pki", containerPath: pkiDir, readOnly: false });
    // The directory must exist in the image so the volume inherits its owner.
    const dockerfile = fs.readFileSync(path.join(repoRoot, "infra/docker/Dockerfile"), "utf8");
    expect(dockerfile).toContain(`mkdir -p ${pkiDir}`);
  });

  it("sends notification mail to the Mailpit sink", () => {
    const smtp = new URL(environmentOf(compose, "notification").SMTP_URL ?? "");
    expect(smtp.protocol).toBe("smtp:");
    expect(smtp.hostname).toBe("mailpit");
    expect(serviceOf(compose, "mailpit").ports).toContain(`127.0.0.1:1025:${smtp.port}`);
  });
});

describe("credentials (infra/compose/make-credentials.js)", () => {
  const job = serviceOf(compose, "credentials");
  const credentialMounts = namedVolumeMounts(compose).filter((mount) => mount.volume === "credentials");

  it("are made by a one-shot job in the service image, from the script it mounts, before anything else", () => {
    expect(job.image).toBe("lienthong/services:local");
    expect(job.command).toEqual(["node", "/app/infra/compose/make-credentials.js"]);
    expect(bindMounts(compose)).toContainEqual({
      service: "credentials",
      hostPath: "./infra/compose/make-credentials.js",
      containerPath: "/app/infra/compose/make-credentials.js",
    });
    expect(credentialMounts.find((mount) => mount.service === "credentials")).toMatchObject({
      containerPath: environmentOf(compose, "credentials").CREDENTIALS_DIR,
      readOnly: false,
    });
    expect(serviceOf(compose, "kafka").depends_on).toMatchObject({
      credentials: { condition: "service_completed_successfully" },
    });
  });

  it("reach each container only in the parts it needs, read-only; the operator's part and the CA key none", () => {
    const seen: Record<string, { subpath?: string; readOnly: boolean }[]> = {};
    for (const mount of credentialMounts.filter((candidate) => candidate.service !== "credentials")) {
      (seen[mount.service] ??= []).push({ subpath: mount.subpath, readOnly: mount.readOnly });
    }
    const shared = { subpath: "shared", readOnly: true };
    expect(seen).toEqual({
      kafka: [{ subpath: "kafka", readOnly: true }],
      "kafka-init": [{ subpath: "kafka", readOnly: true }],
      ...Object.fromEntries(
        platformServiceNames.map((name) => [name, [{ subpath: `services/${name}`, readOnly: true }, shared]]),
      ),
      "commune-webhooks": [shared],
    });
  });

  it.each(platformServiceNames)(
    "give %s the registered clients and the stack's identity provider, and no API_KEYS, as NODE_ENV=production asks",
    (name) => {
      const environment = environmentOf(compose, name);
      expect(environment).not.toHaveProperty("API_KEYS");
      const sharedAt = credentialMounts.find((mount) => mount.service === name && mount.subpath === "shared");
      expect(environment).toMatchObject({
        NODE_ENV: "production",
        CLIENTS_FILE: `${sharedAt?.containerPath ?? "(not mounted)"}/clients.json`,
        OIDC_ISSUER: "urn:lienthong:compose-issuer",
        OIDC_JWKS_FILE: `${sharedAt?.containerPath ?? "(not mounted)"}/officials-jwks.json`,
      });
      // Officials' tokens of the stand-in issuer carry the claims the services read by default.
      expect(environment).not.toHaveProperty("OIDC_JWKS_URL");
      expect(environment).not.toHaveProperty("OIDC_ROLES_CLAIM");
      expect(environment).not.toHaveProperty("OIDC_UNITS_CLAIM");
    },
  );

  it("give the secret of the applicant's download links to intake and signature alone, from their own part", () => {
    const given = platformServiceNames.filter((name) => "PUBLIC_LINK_SECRET_FILE" in environmentOf(compose, name));
    expect(given).toEqual(["intake", "signature"]);
    for (const name of given) {
      const ownPart = credentialMounts.find((mount) => mount.service === name && mount.subpath === `services/${name}`);
      expect(environmentOf(compose, name).PUBLIC_LINK_SECRET_FILE).toBe(
        `${ownPart?.containerPath ?? "(not mounted)"}/public-link-secret`,
      );
      // A secret in the compose file would be public: only its file is named.
      expect(environmentOf(compose, name)).not.toHaveProperty("PUBLIC_LINK_SECRET");
    }
  });

  it("hold no API key in the compose file: the load test's comes from the operator's part, through the shell", () => {
    const text = fs.readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8");
    expect(text).not.toMatch(/ltk\.[a-z0-9]{4,32}\./);
    expect(text).not.toContain("API_KEYS");
    expect(environmentOf(compose, "k6").API_KEY).toBe("${LIENTHONG_LOAD_API_KEY:-}");
  });

  it("register each client's webhook at the commune systems' stand-in, which reads the same clients", () => {
    const sink = serviceOf(compose, "commune-webhooks");
    const sinkEnvironment = environmentOf(compose, "commune-webhooks");
    expect(sink.image).toBe("lienthong/services:local");
    expect(sink.command).toEqual(["node", "/app/infra/compose/commune-webhooks.js"]);
    expect(bindMounts(compose)).toContainEqual({
      service: "commune-webhooks",
      hostPath: "./infra/compose/commune-webhooks.js",
      containerPath: "/app/infra/compose/commune-webhooks.js",
    });
    const sharedAt = credentialMounts.find((mount) => mount.service === "commune-webhooks")?.containerPath;
    expect(sinkEnvironment.CLIENTS_FILE).toBe(`${sharedAt}/clients.json`);
    expect(sink.ports).toEqual([`127.0.0.1:${sinkEnvironment.HTTP_PORT}:${sinkEnvironment.HTTP_PORT}`]);
    expect(sink.healthcheck?.test).toEqual(["CMD", "node", "/app/infra/docker/readyz-probe.js"]);
    expect(sink.depends_on).toEqual({ credentials: { condition: "service_completed_successfully" } });
    const webhooks = new URL(environmentOf(compose, "credentials").COMMUNE_WEBHOOKS_URL ?? "");
    expect(webhooks.hostname).toBe("commune-webhooks");
    expect(webhooks.port).toBe(sinkEnvironment.HTTP_PORT);
    expect(webhooks.pathname).toBe("/webhooks");
  });

  it.each(platformServiceNames)(
    "give %s its own Kafka principal and gRPC certificate, as NODE_ENV=production asks",
    (name) => {
      const environment = environmentOf(compose, name);
      const mounted = credentialMounts.find((mount) => mount.service === name)?.containerPath ?? "(not mounted)";
      expect(environment).toMatchObject({
        KAFKA_SASL_MECHANISM: "scram-sha-512",
        KAFKA_SASL_USERNAME: name,
        KAFKA_SASL_PASSWORD_FILE: `${mounted}/kafka-password`,
        GRPC_TLS: "files",
        GRPC_TLS_CERT_FILE: `${mounted}/grpc.crt`,
        GRPC_TLS_KEY_FILE: `${mounted}/grpc.key`,
      });
    },
  );
});

describe("MongoDB", () => {
  it("is a replica set the services' URL names", () => {
    const mongoCommand = serviceOf(compose, "mongo").command ?? [];
    const replicaSet = mongoCommand[mongoCommand.indexOf("--replSet") + 1];
    expect(replicaSet).toBeTruthy();
    for (const name of platformServiceNames) {
      const url = new URL(environmentOf(compose, name).MONGO_URL ?? "");
      expect(url.protocol).toBe("mongodb:");
      expect(url.searchParams.get("replicaSet")).toBe(replicaSet);
      expect(compose.services).toHaveProperty(url.hostname);
    }
    const init = environmentOf(compose, "mongo-init");
    expect(init.MONGO_REPLICA_SET).toBe(replicaSet);
    // The member address must be the one the services dial, not localhost.
    const serviceUrl = new URL(environmentOf(compose, "intake").MONGO_URL ?? "");
    expect(init.MONGO_MEMBER_HOST).toBe(serviceUrl.host);
  });

  it("runs the init script the compose file mounts", () => {
    const init = serviceOf(compose, "mongo-init");
    const scriptMount = bindMounts(compose).find((mount) => mount.service === "mongo-init");
    expect(scriptMount?.hostPath).toBe("./infra/mongo/init-replica-set.js");
    expect(init.command).toContain(scriptMount?.containerPath);
    expect(init.depends_on).toEqual({ mongo: { condition: "service_healthy" } });
  });
});

describe("Kafka (KRaft, single broker, infra/kafka/server.properties)", () => {
  const broker = readProperties("infra/kafka/server.properties");
  const startScript = fs.readFileSync(path.join(repoRoot, "infra/kafka/start-broker.sh"), "utf8");

  const listeners = (value: string | undefined): Map<string, string> =>
    new Map(
      (value ?? "").split(",").map((entry) => {
        const [name = "", address = ""] = entry.split("://");
        return [name, address];
      }),
    );
  const protocols = new Map(
    (broker["listener.security.protocol.map"] ?? "").split(",").map((entry) => {
      const [name = "", protocol = ""] = entry.split(":");
      return [name, protocol];
    }),
  );
  const mechanismsOf = (listener: string) =>
    (broker[`listener.name.${listener.toLowerCase()}.sasl.enabled.mechanisms`] ?? "").split(",");

  it("runs with the settings the compose file mounts, started by the script it mounts", () => {
    const kafka = serviceOf(compose, "kafka");
    expect(kafka.entrypoint).toEqual(["/bin/bash", "/infra/kafka/start-broker.sh"]);
    const mounted = bindMounts(compose).filter((mount) => mount.service === "kafka");
    expect(mounted.map((mount) => mount.containerPath).sort()).toEqual([
      "/infra/kafka/client-config.sh",
      "/infra/kafka/server.properties",
      "/infra/kafka/start-broker.sh",
    ]);
    expect(startScript).toContain("cat /infra/kafka/server.properties");
    expect(startScript).toContain('--cluster-id "$CLUSTER_ID"');
    expect(environmentOf(compose, "kafka").CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("is one node acting as broker and controller", () => {
    expect(broker["process.roles"]?.split(",").sort()).toEqual(["broker", "controller"]);
    const controllerPort = listeners(broker.listeners).get(broker["controller.listener.names"] ?? "");
    expect(controllerPort).toMatch(/^:\d+$/);
    expect(broker["controller.quorum.voters"]).toBe(`${broker["node.id"]}@kafka${controllerPort}`);
    expect(broker["offsets.topic.replication.factor"]).toBe("1");
    expect(broker["transaction.state.log.replication.factor"]).toBe("1");
    expect(broker["auto.create.topics.enable"]).toBe("false");
    expect(namedVolumeMounts(compose)).toContainEqual(
      expect.objectContaining({ service: "kafka", volume: "kafka-data", containerPath: broker["log.dirs"] }),
    );
  });

  it("maps every listener to a security protocol and advertises what it listens on", () => {
    const bound = listeners(broker.listeners);
    for (const name of bound.keys()) expect(protocols.has(name)).toBe(true);
    const advertised = listeners(broker["advertised.listeners"]);
    expect(advertised.has(broker["controller.listener.names"] ?? "")).toBe(false);
    for (const [name, address] of advertised) {
      expect(bound.get(name)).toBe(`:${address.split(":")[1]}`);
    }
    expect(advertised.has(broker["inter.broker.listener.name"] ?? "")).toBe(true);
    expect(serviceOf(compose, "kafka").ports).toEqual([`127.0.0.1:9092:${advertised.get("HOST")?.split(":")[1]}`]);
  });

  it("authenticates on every listener and authorizes with ACLs, the admin alone a super user", () => {
    for (const name of listeners(broker.listeners).keys()) {
      expect({ name, protocol: protocols.get(name) }).toEqual({ name, protocol: "SASL_PLAINTEXT" });
      expect(mechanismsOf(name).length).toBeGreaterThan(0);
    }
    expect(mechanismsOf(broker["inter.broker.listener.name"] ?? "")).toContain(
      broker["sasl.mechanism.inter.broker.protocol"],
    );
    expect(mechanismsOf(broker["controller.listener.names"] ?? "")).toEqual([
      broker["sasl.mechanism.controller.protocol"],
    ]);
    expect(broker["authorizer.class.name"]).toBe("org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    expect(broker["super.users"]).toBe("User:admin");
    expect(broker["allow.everyone.if.no.acl.found"]).toBe("false");
    // Each SASL listener and mechanism gets its JAAS settings from the start script.
    for (const name of listeners(broker.listeners).keys()) {
      for (const mechanism of mechanismsOf(name)) {
        expect(startScript).toContain(
          `listener.name.${name.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config=`,
        );
      }
    }
  });

  it("is dialled by the services and the init job on the listener advertised to containers, with SCRAM", () => {
    const internalName = broker["inter.broker.listener.name"] ?? "";
    const internal = listeners(broker["advertised.listeners"]).get(internalName);
    expect(internal).toBe("kafka:19092");
    for (const name of platformServiceNames) {
      const environment = environmentOf(compose, name);
      expect(environment.KAFKA_BROKERS).toBe(internal);
      expect(mechanismsOf(internalName)).toContain(environment.KAFKA_SASL_MECHANISM?.toUpperCase());
    }
    expect(environmentOf(compose, "kafka-init").KAFKA_BOOTSTRAP_SERVER).toBe(internal);
    expect(serviceOf(compose, "kafka-init").depends_on).toEqual({ kafka: { condition: "service_healthy" } });
    const clientConfig = fs.readFileSync(path.join(repoRoot, "infra/kafka/client-config.sh"), "utf8");
    expect(clientConfig).toContain(`sasl.mechanism=${mechanismsOf(internalName)[0]}`);
  });

  it("is healthy once it answers the admin, with the client settings the start script writes", () => {
    const probe = serviceOf(compose, "kafka").healthcheck?.test.join(" ") ?? "";
    const configFile = /--command-config (\S+)/.exec(probe)?.[1] ?? "(none)";
    expect(probe).toContain("--bootstrap-server kafka:19092");
    expect(startScript).toContain("config_dir=/opt/kafka/config/lienthong");
    expect(configFile).toBe("/opt/kafka/config/lienthong/admin-client.properties");
    expect(startScript).toContain('> "$config_dir/admin-client.properties"');
  });

  it("creates topics with the partition count the services are told", () => {
    const topicJob = environmentOf(compose, "kafka-init");
    for (const name of platformServiceNames) {
      const service = environmentOf(compose, name);
      expect(service.KAFKA_TOPIC_PARTITIONS).toBe(topicJob.TOPIC_PARTITIONS);
      expect(service.KAFKA_REPLICATION_FACTOR).toBe(topicJob.TOPIC_REPLICATION_FACTOR);
    }
  });
});

describe("observability", () => {
  interface CollectorConfig {
    receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
    exporters: Record<string, { endpoint?: string }>;
    processors: Record<string, unknown>;
    service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
  }
  const collector = readYaml<CollectorConfig>("infra/otel/collector.yaml");

  it("receives OTLP on all interfaces and sends every trace pipeline to Jaeger", () => {
    expect(collector.receivers.otlp.protocols.http.endpoint).toBe("0.0.0.0:4318");
    expect(collector.receivers.otlp.protocols.grpc.endpoint).toBe("0.0.0.0:4317");
    const traces = collector.service.pipelines.traces;
    expect(traces?.receivers).toEqual(["otlp"]);
    for (const processor of traces?.processors ?? []) expect(collector.processors).toHaveProperty([processor]);
    const jaegerExporters = (traces?.exporters ?? []).filter((exporter) =>
      collector.exporters[exporter]?.endpoint?.startsWith("jaeger:"),
    );
    expect(jaegerExporters).toHaveLength(1);
    expect(compose.services).toHaveProperty("jaeger");
    expect(serviceOf(compose, "jaeger").ports).toContain("127.0.0.1:16686:16686");
  });

  it("scrapes each service's /metrics on its ops port (not the public one), only under the metrics profile", () => {
    interface PrometheusConfig {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    }
    const prometheus = readYaml<PrometheusConfig>("infra/prometheus/prometheus.yml");
    const job = prometheus.scrape_configs.find((candidate) => candidate.job_name === "lienthong-services");
    expect(job?.metrics_path).toBe("/metrics");
    const targets = job?.static_configs.flatMap((config) => config.targets).sort();
    const expected = platformServiceNames.map((name) => `${name}:${environmentOf(compose, name).OPS_PORT}`).sort();
    expect(targets).toEqual(expected);
    expect(serviceOf(compose, "prometheus").profiles).toEqual(["metrics"]);
  });
});
