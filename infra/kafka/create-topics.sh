#!/bin/sh
# Creates every LiênThông Kafka topic before the services start. The services
# run with KAFKA_CREATE_TOPICS=false and the broker with automatic topic
# creation off, so a topic missing here is a loud error, not a silent
# one-partition topic. Safe to run again: existing topics are left as they are.
#
# Runs in the apache/kafka image (POSIX sh; kafka-topics.sh ships with it).
# Every setting can be overridden from the environment.
set -eu

bootstrap_server="${KAFKA_BOOTSTRAP_SERVER:-kafka:19092}"
kafka_topics="${KAFKA_TOPICS_COMMAND:-/opt/kafka/bin/kafka-topics.sh}"
replication_factor="${TOPIC_REPLICATION_FACTOR:-1}"
min_insync_replicas="${TOPIC_MIN_INSYNC_REPLICAS:-1}"
# Partitions bound how many instances of one consumer group work in parallel;
# 12 lets each service scale to 12 replicas (DOMAIN.md §8: ~400 events/s at
# national peak, a small load for one partition but not for one consumer).
event_partitions="${TOPIC_PARTITIONS:-12}"
event_retention_ms="${TOPIC_RETENTION_MS:-604800000}"
# Dead letters wait for an operator to inspect and replay them: fewer
# partitions, longer retention.
dead_letter_partitions="${DEAD_LETTER_PARTITIONS:-3}"
dead_letter_retention_ms="${DEAD_LETTER_RETENTION_MS:-2592000000}"

# Topics are named per producing service and versioned (ARCHITECTURE.md §4);
# the list matches Topics in libs/contracts/src/event-catalog.ts.
event_topics="
lienthong.intake.applications.v1
lienthong.routing.dossiers.v1
lienthong.signature.documents.v1
lienthong.notification.deliveries.v1
"
# One dead-letter topic per consumer group.
consumer_groups="intake routing signature notification"

create_topic() {
  topic="$1"
  partitions="$2"
  retention_ms="$3"
  "$kafka_topics" --bootstrap-server "$bootstrap_server" \
    --create --if-not-exists \
    --topic "$topic" \
    --partitions "$partitions" \
    --replication-factor "$replication_factor" \
    --config "min.insync.replicas=$min_insync_replicas" \
    --config "retention.ms=$retention_ms" \
    --config "cleanup.policy=delete"
  echo "topic ready: $topic ($partitions partitions, replication $replication_factor)"
}

for topic in $event_topics; do
  create_topic "$topic" "$event_partitions" "$event_retention_ms"
done

for group in $consumer_groups; do
  create_topic "lienthong.deadletter.$group.v1" "$dead_letter_partitions" "$dead_letter_retention_ms"
done

echo "all LiênThông topics ready on $bootstrap_server"
