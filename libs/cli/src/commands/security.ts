/**
 * Operator commands for credentials and the audit log:
 * - `lienthong clients new-key <clientId>`: a new API key for a commune system, printed once, and the
 *   entry to add to CLIENTS_FILE (only the salted hash is kept);
 * - `lienthong dev token <official>`: a token for a sample official from the development issuer of a
 *   data directory (embedded mode), or with `--issuer` from a stand-in identity provider whose key is
 *   in `--identity-dir` (the compose stack's);
 * - `lienthong audit verify <service>`: walks a service's hash-chained audit log and names the first
 *   entry that was edited, removed or moved.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { PLATFORM_SERVICES } from "@lienthong/contracts";
import {
  AuditLog,
  CLIENT_ID_PATTERN,
  DEVELOPMENT_ISSUER,
  DEVELOPMENT_OFFICIALS,
  auditCollections,
  newKey,
  openDevelopmentIssuer,
  verifyChain,
  type AuditContent,
  type ChainAnchor,
  type SealedFields,
} from "@lienthong/service-host";
import { silentLogger } from "@lienthong/messaging";
import { EmbeddedDocumentStore, openDocumentStore, type DocumentStore } from "@lienthong/storage";

const PAGE = 1000;

export function registerSecurityCommands(program: Command): void {
  program
    .command("clients")
    .description("commune systems and the portal: their API keys")
    .command("new-key <clientId>")
    .description("make a new API key; prints the key once and the entry to add to the client in CLIENTS_FILE")
    .action((clientId: string) => {
      if (!CLIENT_ID_PATTERN.test(clientId)) {
        throw new InvalidArgumentError(
          `"${clientId}" is not a client id: 1-100 lowercase letters, digits, '.', '_' or '-'`,
        );
      }
      const { key, stored } = newKey();
      process.stdout.write(
        `API key for ${clientId} (give it to the commune system once; it is not stored anywhere):\n  ${key}\n` +
          `Add to "keys" of "${clientId}" in CLIENTS_FILE (keep the previous key until the system has switched):\n` +
          `  ${JSON.stringify(stored)}\n`,
      );
    });

  program
    .command("dev")
    .description("development helpers (embedded mode)")
    .command("token <official>")
    .description(`a token of the development issuer for a sample official: ${sampleOfficials().join(", ")}`)
    .option("--data-dir <dir>", "the platform's data directory", process.env.DATA_DIR ?? "var/data")
    .option("--identity-dir <dir>", "where the issuer keeps its key (default <data-dir>/identity)")
    .option(
      "--issuer <name>",
      "the issuer the token names: another than the development issuer signs with the key already in --identity-dir (compose: infra/README.md)",
      DEVELOPMENT_ISSUER,
    )
    .option("--ttl <seconds>", "how long the token is valid", seconds, 8 * 3600)
    .action(
      async (official: string, options: { dataDir: string; identityDir?: string; issuer: string; ttl: number }) => {
        const sample = Object.values(DEVELOPMENT_OFFICIALS).find((candidate) => candidate.subject === official);
        if (!sample) throw new Error(`"${official}" is not a sample official; one of: ${sampleOfficials().join(", ")}`);
        const directory = options.identityDir ?? path.join(options.dataDir, "identity");
        // Another issuer's key must already be there: a key made now would be one no service knows.
        const issuer = await openDevelopmentIssuer(directory, {
          issuer: options.issuer,
          existing: options.issuer !== DEVELOPMENT_ISSUER,
        });
        const token = await issuer.sign(sample, { ttlSeconds: options.ttl });
        process.stdout.write(`${token}\n`);
      },
    );

  program
    .command("audit")
    .description("the services' hash-chained audit logs")
    .command("verify <service>")
    .description("check a service's audit log; exit 1 naming the first entry edited, removed or out of order")
    .option("--data-dir <dir>", "embedded mode: the platform's data directory", process.env.DATA_DIR ?? "var/data")
    .option("--mongo-url <url>", "distributed mode: the MongoDB replica set (MONGO_URL)")
    .option(
      "--mongo-db <prefix>",
      "distributed mode: the database prefix (MONGO_DB)",
      process.env.MONGO_DB ?? "lienthong",
    )
    .option(
      "--anchor <seq:hash>",
      'a head the sealer logged ("audit log sealed"), kept outside the store; repeatable',
      (value: string, previous: ChainAnchor[]) => [...previous, anchorOf(value)],
      [] as ChainAnchor[],
    )
    .option("--json", "print one JSON object")
    .action(
      async (
        service: string,
        options: { dataDir: string; mongoUrl?: string; mongoDb: string; anchor: ChainAnchor[]; json?: boolean },
      ) => {
        const store = await openAuditStore(service, options);
        try {
          await store.ensureCollections(auditCollections);
          const log = new AuditLog(store, service, () => new Date(), silentLogger);
          const entries: (AuditContent & SealedFields)[] = [];
          for (
            let page = await log.sealedAfter(0, PAGE);
            page.length > 0;
            page = await log.sealedAfter(page.at(-1)!.seq, PAGE)
          ) {
            entries.push(...page);
          }
          const head = await log.head();
          const report = verifyChain(entries, head, options.anchor);
          // The head is printed so that it can be kept elsewhere and given back as an --anchor.
          if (options.json) process.stdout.write(`${JSON.stringify({ service, ...report, head })}\n`);
          else if (report.ok) {
            process.stdout.write(
              `${service}: audit log intact, ${report.entries} entries, head ${head.seq}:${head.hash}\n`,
            );
          } else {
            const bad = report.firstBad!;
            process.stdout.write(`${service}: audit log BROKEN at entry ${bad.seq} (${bad.problem}): ${bad.detail}\n`);
          }
          if (!report.ok) process.exitCode = 1;
        } finally {
          await store.close();
        }
      },
    );
}

function anchorOf(value: string): ChainAnchor {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!match) throw new InvalidArgumentError("must be <seq>:<hash>, e.g. 1205:<64 hex digits>");
  return { seq: Number(match[1]), hash: match[2]! };
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError("must be a whole number of seconds");
  return parsed;
}

function sampleOfficials(): string[] {
  return Object.values(DEVELOPMENT_OFFICIALS).map((official) => official.subject);
}

async function openAuditStore(
  service: string,
  options: { dataDir: string; mongoUrl?: string; mongoDb: string },
): Promise<DocumentStore> {
  const services = PLATFORM_SERVICES.map((candidate) => candidate.name as string);
  if (!services.includes(service)) {
    throw new InvalidArgumentError(`"${service}" is not a platform service; one of: ${services.join(", ")}`);
  }
  if (options.mongoUrl)
    return openDocumentStore({ kind: "mongo", url: options.mongoUrl, dbName: `${options.mongoDb}_${service}` });
  // Opening would create an empty store, which then reads as an intact log of 0 entries.
  const file = path.resolve(options.dataDir, service, "store.db");
  if (!existsSync(file))
    throw new Error(`no store of ${service} at ${file}: is --data-dir the platform's data directory?`);
  return EmbeddedDocumentStore.open({ path: file });
}
