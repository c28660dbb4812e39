#!/bin/sh
# Prints the Kafka client properties of one principal of the compose stack
# (SASL/SCRAM-SHA-512 on the compose network), with its password from the
# credentials volume. Used by the broker's healthcheck and the init job.
#   sh client-config.sh admin > admin.properties
set -eu

principal="$1"
password="$(cat "${KAFKA_CREDENTIALS_DIR:-/etc/lienthong/kafka}/$principal.password")"
cat <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$principal" password="$password";
PROPERTIES
