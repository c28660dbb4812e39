#!/bin/sh
# One-shot job `kafka-init` of docker-compose.yml (apache/kafka image): as
# User:admin, the SCRAM credential and ACLs of every other principal
# (acls.sh); then, as User:topics, the topics (create-topics.sh). Each step
# is idempotent, so the job runs at every `docker compose up`.
set -eu

umask 077
client_configs="$(mktemp -d)"
sh /infra/kafka/client-config.sh admin > "$client_configs/admin.properties"
sh /infra/kafka/client-config.sh topics > "$client_configs/topics.properties"

KAFKA_COMMAND_CONFIG="$client_configs/admin.properties" sh /infra/kafka/acls.sh
KAFKA_COMMAND_CONFIG="$client_configs/topics.properties" sh /infra/kafka/create-topics.sh
