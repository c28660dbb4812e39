// Turns the compose MongoDB into a single-node replica set and waits until it
// can take writes. The services need a replica set because they write a
// document and its outbox events in one transaction, which a standalone
// mongod refuses. Run with mongosh against the mongod started with --replSet:
//   mongosh --host mongo:27017 --quiet /infra/mongo/init-replica-set.js
// Idempotent: on a set that is already initiated it only waits for a primary.
//
// The entrypoint's /docker-entrypoint-initdb.d scripts cannot do this: they run
// against a temporary mongod started without --replSet.

const replicaSetName = process.env.MONGO_REPLICA_SET || "rs0";
// The address the services use: members are reached by this name, so it must
// resolve inside the compose network (not localhost).
const memberHost = process.env.MONGO_MEMBER_HOST || "mongo:27017";
const primaryTimeoutMs = Number(process.env.MONGO_PRIMARY_TIMEOUT_MS || "60000");

function isInitiated() {
  try {
    rs.status();
    return true;
  } catch (error) {
    if (error.codeName === "NotYetInitialized") return false;
    throw error;
  }
}

if (isInitiated()) {
  print(`replica set ${replicaSetName} already initiated`);
} else {
  rs.initiate({ _id: replicaSetName, members: [{ _id: 0, host: memberHost }] });
  print(`replica set ${replicaSetName} initiated with member ${memberHost}`);
}

const deadline = Date.now() + primaryTimeoutMs;
while (!db.hello().isWritablePrimary) {
  if (Date.now() > deadline) {
    throw new Error(`replica set ${replicaSetName}: no writable primary after ${primaryTimeoutMs} ms`);
  }
  sleep(500);
}
print(`replica set ${replicaSetName}: ${memberHost} is primary`);
