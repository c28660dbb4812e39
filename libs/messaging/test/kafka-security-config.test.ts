import { describe, expect, test } from "@jest/globals";
import { KafkaEventBus, MessagingError, type KafkaEventBusConfig } from "../src";

const base: KafkaEventBusConfig = {
  brokers: ["kafka:9093"],
  clientId: "lienthong-intake",
  source: "intake",
  createTopics: false,
  idempotentProducer: false,
};

/** The error a configuration is refused with at construction (nothing is dialled). */
function refusalOf(config: KafkaEventBusConfig): MessagingError {
  try {
    new KafkaEventBus(config);
  } catch (error) {
    if (error instanceof MessagingError) return error;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("KafkaEventBus connection security configuration", () => {
  test("takes TLS material and a SASL principal without dialling", async () => {
    const bus = new KafkaEventBus({
      ...base,
      ssl: { ca: "-----BEGIN CERTIFICATE-----\n…" },
      sasl: { mechanism: "scram-sha-512", username: "intake", password: "s3cret-9d1" },
    });
    await bus.close();
  });

  test("refuses a client certificate without its key, and a key without its certificate", () => {
    expect(refusalOf({ ...base, ssl: { cert: "c" } }).message).toBe(
      "kafka event bus: ssl.cert and ssl.key go together",
    );
    expect(refusalOf({ ...base, ssl: { key: "k" } }).reason).toBe("INVALID_CONFIG");
  });

  test("refuses a SASL principal without a password, never quoting one", () => {
    const missing = refusalOf({ ...base, sasl: { mechanism: "scram-sha-256", username: "intake", password: "" } });
    expect(missing.message).toBe("kafka event bus: sasl needs a username and a password");
    const nameless = refusalOf({ ...base, sasl: { mechanism: "plain", username: "", password: "s3cret-9d1" } });
    expect(nameless.message).not.toContain("s3cret");
  });
});
