import { readFileSync } from "node:fs";
import { unauthenticated } from "@lienthong/errors";
import { z } from "zod";
import { ConfigError } from "../config";
import type { ClientIdentity } from "./caller";
import { KEY_ID_PATTERN, parseKey, secretMatches, storedKeyOf, type StoredKey } from "./client-keys";
import { DEVELOPMENT_CLIENTS } from "./development-identities";

const unitCode = z.string().regex(/^[0-9A-Z.]{1,35}$/, "must be a unit or agency code such as 14845 or 38.CA");
const MIN_SECRET_LENGTH = 32;

/** A client's id: it names the system in logs, audit entries and CLIENTS_FILE. */
export const CLIENT_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

const clientsSchema = z.object({
  clients: z.array(
    z.object({
      clientId: z.string().regex(CLIENT_ID_PATTERN, "must be 1-100 lowercase letters, digits, '.', '_' or '-'"),
      unitCodes: z.array(unitCode).min(1, "must list at least one unit"),
      keys: z
        .array(
          z.object({
            id: z.string().regex(KEY_ID_PATTERN, "must be 4-32 lowercase letters and digits"),
            salt: z.string().min(16, "must be a base64 salt of at least 12 bytes"),
            sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a hex SHA-256"),
          }),
        )
        .min(1, "must hold at least one key")
        .max(2, "holds at most two keys: the current one and the one being rotated out"),
      /** Requests a minute the client may make to each service (default CLIENT_REQUESTS_PER_MINUTE). */
      requestsPerMinute: z.number().int().positive().optional(),
      webhook: z
        .object({
          url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
          /** Each signs (one signature per secret), so a receiver holding either verifies during a rotation. */
          secrets: z
            .array(z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`))
            .min(1)
            .max(2),
        })
        .optional(),
    }),
  ),
});
export type ClientsFile = z.output<typeof clientsSchema>;
export type RegisteredClient = ClientsFile["clients"][number];

interface KeyEntry {
  client: ClientIdentity;
  stored: StoredKey;
}

/** Who may call with an API key, and each client's webhook endpoint. */
export class ClientRegistry {
  private readonly byKeyId = new Map<string, KeyEntry>();
  private readonly clients = new Map<string, RegisteredClient>();

  constructor(
    clients: readonly RegisteredClient[],
    /** Development registries only: true. */
    readonly development: boolean,
  ) {
    for (const client of clients) {
      this.clients.set(client.clientId, client);
      const identity: ClientIdentity = { clientId: client.clientId, unitCodes: new Set(client.unitCodes) };
      for (const stored of client.keys) this.byKeyId.set(stored.id, { client: identity, stored });
    }
  }

  /** The client an API key belongs to; UNAUTHENTICATED (never saying why) when it is missing, malformed or wrong. */
  authenticate(presented: string): ClientIdentity {
    const key = parseKey(presented);
    const entry = key && this.byKeyId.get(key.id);
    if (!key || !entry || !secretMatches(entry.stored, key.secret)) {
      throw unauthenticated("The API key is not valid");
    }
    return entry.client;
  }

  client(clientId: string): RegisteredClient | undefined {
    return this.clients.get(clientId);
  }

  all(): RegisteredClient[] {
    return [...this.clients.values()];
  }
}

export interface ClientRegistryEnv {
  NODE_ENV: string;
  CLIENTS_FILE?: string;
  CLIENTS?: string;
  ALLOW_EMBEDDED_IN_PRODUCTION: boolean;
}

/**
 * The clients of a deployment, from CLIENTS_FILE or CLIENTS (JSON); without
 * either, outside production, the public development clients. Production
 * refuses the development clients and any of their keys.
 */
export function loadClientRegistry(env: ClientRegistryEnv, allCommunes: () => string[]): ClientRegistry {
  const variable = env.CLIENTS_FILE ? "CLIENTS_FILE" : "CLIENTS";
  const text = env.CLIENTS_FILE ? readClientsFile(env.CLIENTS_FILE) : env.CLIENTS;
  if (text === undefined) {
    if (env.NODE_ENV === "production" && !env.ALLOW_EMBEDDED_IN_PRODUCTION) {
      throw new ConfigError([
        { variable: "CLIENTS_FILE", reason: "required when NODE_ENV=production (the development clients are refused)" },
      ]);
    }
    return new ClientRegistry(developmentClients(allCommunes), true);
  }
  const registry = new ClientRegistry(parseClients(variable, text), false);
  if (env.NODE_ENV === "production") refuseDevelopmentKeys(variable, registry);
  return registry;
}

function readClientsFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new ConfigError([
      { variable: "CLIENTS_FILE", reason: `cannot read ${file} (${(cause as NodeJS.ErrnoException).code ?? "error"})` },
    ]);
  }
}

function parseClients(variable: string, text: string): RegisteredClient[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError([
      { variable, reason: 'must be JSON: { "clients": [ { "clientId", "unitCodes", "keys" } ] }' },
    ]);
  }
  const parsed = clientsSchema.safeParse(json);
  if (!parsed.success) {
    // Paths name entries by position and field; values (hashes, webhook secrets) are never repeated.
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable, reason: `${issue.path.join(".")}: ${issue.message}` })),
    );
  }
  const ids = parsed.data.clients.flatMap((client) => client.keys.map((key) => key.id));
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated) throw new ConfigError([{ variable, reason: `key id "${repeated}" is used twice` }]);
  return parsed.data.clients;
}

function developmentClients(allCommunes: () => string[]): RegisteredClient[] {
  return Object.values(DEVELOPMENT_CLIENTS).map((client) => {
    const key = parseKey(client.key)!;
    return {
      clientId: client.clientId,
      unitCodes: client.unitCodes === "*" ? allCommunes() : [...client.unitCodes],
      keys: [storedKeyOf(key.id, key.secret)],
    };
  });
}

/** A development key is public (it is in the source): production refuses it wherever it is configured. */
function refuseDevelopmentKeys(variable: string, registry: ClientRegistry): void {
  for (const development of Object.values(DEVELOPMENT_CLIENTS)) {
    let accepted = false;
    try {
      registry.authenticate(development.key);
      accepted = true;
    } catch {
      // Not configured: as it should be.
    }
    if (accepted) {
      throw new ConfigError([
        { variable, reason: `holds the public development key of "${development.clientId}", refused in production` },
      ]);
    }
  }
}
