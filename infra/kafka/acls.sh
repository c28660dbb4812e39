#!/bin/sh
# One Kafka principal per service, and only the ACLs it needs (infra/README.md,
# "Kafka principals"). Run as a principal that may manage users and ACLs (the
# super user User:admin in docker-compose.yml; the cluster's operators
# elsewhere), with its client properties in KAFKA_COMMAND_CONFIG. Safe to run
# again: a credential is set again to the same password, an ACL added twice is
# one ACL.
#
# Runs in the apache/kafka image (POSIX sh). The tools can be replaced from the
# environment (infra/test/kafka-acls.test.ts records their calls).
set -eu

bootstrap_server="${KAFKA_BOOTSTRAP_SERVER:-kafka:19092}"
command_config="${KAFKA_COMMAND_CONFIG:?KAFKA_COMMAND_CONFIG: the client properties of a principal that manages users and ACLs}"
credentials="${KAFKA_CREDENTIALS_DIR:-/etc/lienthong/kafka}"
kafka_acls="${KAFKA_ACLS_COMMAND:-/opt/kafka/bin/kafka-acls.sh}"
kafka_configs="${KAFKA_CONFIGS_COMMAND:-/opt/kafka/bin/kafka-configs.sh}"
# 0 skips the SCRAM credentials: for a cluster whose principals come from elsewhere (mTLS, an IdP).
set_credentials="${KAFKA_SET_CREDENTIALS:-1}"

# The SCRAM-SHA-512 credential of User:<principal>, from <credentials>/<principal>.password.
credential() {
  [ "$set_credentials" = 1 ] || return 0
  principal="$1"
  password="$(cat "$credentials/$principal.password")"
  "$kafka_configs" --bootstrap-server "$bootstrap_server" --command-config "$command_config" \
    --alter --entity-type users --entity-name "$principal" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$password]" > /dev/null
  echo "credential set: User:$principal"
}

# allow <principal> <kafka-acls.sh resource and operation options...>
allow() {
  principal="$1"
  shift
  "$kafka_acls" --bootstrap-server "$bootstrap_server" --command-config "$command_config" \
    --add --allow-principal "User:$principal" "$@" > /dev/null
}

# A service: produces to its own topic and to its dead-letter topic, consumes
# the topics listed, in the consumer group named after it, and reads its
# dead-letter topic back into its ledger for operators, in a group of its own
# (docs/decisions.md §39). Its replay topic it both writes (an operator's
# replay) and reads (the group handles the replayed event).
#   service_principal <service> <its topic> <topics it consumes...>
service_principal() {
  service="$1"
  own_topic="$2"
  shift 2
  credential "$service"
  allow "$service" --operation Write --operation Describe --topic "$own_topic"
  allow "$service" --operation Write --operation Describe --operation Read --topic "lienthong.deadletter.$service.v1"
  allow "$service" --operation Write --operation Describe --operation Read --topic "lienthong.replay.$service.v1"
  for consumed in "$@"; do
    allow "$service" --operation Read --operation Describe --topic "$consumed"
  done
  allow "$service" --operation Read --group "$service"
  allow "$service" --operation Read --group "$service.dead-letter-ledger"
  echo "acls ready: User:$service (produces $own_topic, consumes $*)"
}

# The topic job: creates and describes the platform's topics, and nothing else.
credential topics
allow topics --operation Create --operation Describe --operation DescribeConfigs \
  --resource-pattern-type prefixed --topic lienthong.
echo "acls ready: User:topics (creates lienthong.* topics)"

# What each service consumes is decided in its code (services/<service>/src/events/consumers.ts);
# infra/test/kafka-acls.test.ts fails when this table and the code disagree.
intake=lienthong.intake.applications.v1
routing=lienthong.routing.dossiers.v1
signature=lienthong.signature.documents.v1
notification=lienthong.notification.deliveries.v1
service_principal intake "$intake" "$intake" "$routing" "$signature" "$notification"
service_principal routing "$routing" "$intake" "$signature"
service_principal signature "$signature" "$routing"
service_principal notification "$notification" "$intake" "$routing" "$signature"

# Operators' read-only view of the cluster (`lienthong topics`): describes the
# platform's topics and where its groups stand on them; reads and writes no record.
credential ops
allow ops --operation Describe --resource-pattern-type prefixed --topic lienthong.
for group in intake routing signature notification; do
  allow ops --operation Describe --group "$group"
  allow ops --operation Describe --group "$group.dead-letter-ledger"
done
echo "acls ready: User:ops (describes lienthong.* topics and the platform's groups)"

echo "all LiênThông principals ready on $bootstrap_server"
