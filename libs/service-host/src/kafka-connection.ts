import type { KafkaEventBusConfig } from "@lienthong/messaging";
import { readConfiguredFile, type KafkaSecurityEnv } from "./config";

/** TLS material and the SASL principal from KAFKA_SSL* and KAFKA_SASL* (serviceEnv checked they come whole). */
export function kafkaSecurityOf(env: KafkaSecurityEnv): Pick<KafkaEventBusConfig, "ssl" | "sasl"> {
  const file = (variable: string, name: string | undefined) => (name ? readConfiguredFile(variable, name) : undefined);
  const ssl = env.KAFKA_SSL
    ? {
        ca: file("KAFKA_SSL_CA_FILE", env.KAFKA_SSL_CA_FILE),
        cert: file("KAFKA_SSL_CERT_FILE", env.KAFKA_SSL_CERT_FILE),
        key: file("KAFKA_SSL_KEY_FILE", env.KAFKA_SSL_KEY_FILE),
      }
    : undefined;
  if (!env.KAFKA_SASL_MECHANISM) return { ssl };
  // A mounted secret usually ends with a newline that is not part of the password.
  const password =
    env.KAFKA_SASL_PASSWORD ??
    (file("KAFKA_SASL_PASSWORD_FILE", env.KAFKA_SASL_PASSWORD_FILE) ?? "").replace(/\r?\n$/, "");
  return {
    ssl,
    sasl: { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME ?? "", password },
  };
}
