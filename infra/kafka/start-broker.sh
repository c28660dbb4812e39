#!/bin/bash
# Starts the compose stack's Kafka broker (apache/kafka image) with SASL and
# ACLs. The image's own entrypoint formats the log directory without SCRAM
# credentials; this one formats it, on first start only, with the admin's
# SCRAM credential (KIP-900) — the one principal that must exist before any
# client can authenticate; the init job adds the others — then runs the
# broker with server.properties plus the listeners' JAAS settings.
# Nothing here is echoed: the generated files hold the admin's password.
set -euo pipefail

credentials="${KAFKA_CREDENTIALS_DIR:-/etc/lienthong/kafka}"
config_dir=/opt/kafka/config/lienthong
umask 077
mkdir -p "$config_dir"
admin_password="$(cat "$credentials/admin.password")"

{
  cat /infra/kafka/server.properties
  echo
  echo "listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"$admin_password\" user_admin=\"$admin_password\";"
  echo "listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$admin_password\";"
  echo "listener.name.host.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
} > "$config_dir/server.properties"
# The healthcheck's client configuration.
sh /infra/kafka/client-config.sh admin > "$config_dir/admin-client.properties"

log_dir="$(sed -n 's/^log\.dirs=//p' /infra/kafka/server.properties)"
if [ ! -f "$log_dir/meta.properties" ]; then
  /opt/kafka/bin/kafka-storage.sh format \
    --cluster-id "$CLUSTER_ID" \
    --config "$config_dir/server.properties" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$admin_password]"
fi

exec /opt/kafka/bin/kafka-server-start.sh "$config_dir/server.properties"
