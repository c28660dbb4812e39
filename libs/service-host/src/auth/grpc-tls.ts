// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API loaded first.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { createSecureContext } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import * as x509 from "@peculiar/x509";
import { ConfigError, readConfiguredFile, type GrpcTlsMode } from "../config";
import type { Logger } from "../logger";

/** The variables that decide the gRPC server's transport security (config.ts checks their combinations). */
export interface GrpcTlsEnv {
  GRPC_TLS: GrpcTlsMode;
  GRPC_TLS_CERT_FILE?: string;
  GRPC_TLS_KEY_FILE?: string;
  GRPC_TLS_CLIENT_CA_FILE?: string;
  DATA_DIR: string;
  IDENTITY_DIR?: string;
}

export interface GrpcTransport {
  credentials: grpc.ServerCredentials;
  /** What the "service started" line reports: the mode, and whether callers must present a certificate. */
  summary: { grpcTls: GrpcTlsMode; grpcClientCertificates: boolean };
}

/**
 * The gRPC server's credentials from the environment: plaintext (`off`), TLS
 * with the development CA's server certificate (`development`), or TLS with
 * the operator's certificate chain and key (`files`). With
 * GRPC_TLS_CLIENT_CA_FILE, callers must present a certificate that CA issued.
 * A file that cannot be read or a key that does not match its certificate is
 * a ConfigError naming the variable, before anything listens.
 */
export async function grpcServerTransport(env: GrpcTlsEnv, logger: Logger): Promise<GrpcTransport> {
  if (env.GRPC_TLS === "off") {
    return { credentials: grpc.ServerCredentials.createInsecure(), summary: summaryOf(env) };
  }
  let chain: string;
  let key: string;
  if (env.GRPC_TLS === "development") {
    const development = await openDevelopmentTls(developmentTlsDirectory(env));
    logger.warn(
      { tls_dir: development.directory },
      "gRPC TLS with a certificate from the local DEVELOPMENT CA — clients must trust its ca.crt; not for production",
    );
    ({ serverCertificatePem: chain, serverKeyPem: key } = development);
  } else {
    chain = readConfiguredFile("GRPC_TLS_CERT_FILE", env.GRPC_TLS_CERT_FILE ?? "");
    key = readConfiguredFile("GRPC_TLS_KEY_FILE", env.GRPC_TLS_KEY_FILE ?? "");
    requirePem("GRPC_TLS_CERT_FILE", chain, CERTIFICATE_PEM, "holds no PEM certificate");
    requirePem("GRPC_TLS_KEY_FILE", key, PRIVATE_KEY_PEM, "holds no PEM private key");
    readByOpenSsl("GRPC_TLS_KEY_FILE", "is not the private key of GRPC_TLS_CERT_FILE's certificate", {
      cert: chain,
      key,
    });
  }
  let clientCa: Buffer | null = null;
  if (env.GRPC_TLS_CLIENT_CA_FILE) {
    const ca = readConfiguredFile("GRPC_TLS_CLIENT_CA_FILE", env.GRPC_TLS_CLIENT_CA_FILE);
    requirePem("GRPC_TLS_CLIENT_CA_FILE", ca, CERTIFICATE_PEM, "holds no PEM certificate");
    readByOpenSsl("GRPC_TLS_CLIENT_CA_FILE", "holds a certificate OpenSSL cannot read", { ca });
    clientCa = Buffer.from(ca);
  }
  const credentials = grpc.ServerCredentials.createSsl(
    clientCa,
    [{ cert_chain: Buffer.from(chain), private_key: Buffer.from(key) }],
    clientCa !== null,
  );
  return { credentials, summary: summaryOf(env) };
}

function summaryOf(env: GrpcTlsEnv): GrpcTransport["summary"] {
  return { grpcTls: env.GRPC_TLS, grpcClientCertificates: Boolean(env.GRPC_TLS_CLIENT_CA_FILE) };
}

const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----/;
const PRIVATE_KEY_PEM = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

function requirePem(variable: string, text: string, pem: RegExp, reason: string): void {
  if (!pem.test(text)) throw new ConfigError([{ variable, reason }]);
}

/** OpenSSL reads the PEM now, so a bad file fails the start with its variable's name (its messages hold no key material). */
function readByOpenSsl(variable: string, reason: string, material: { cert?: string; key?: string; ca?: string }): void {
  try {
    createSecureContext(material);
  } catch (error) {
    throw new ConfigError([{ variable, reason: `${reason} (${(error as Error).message})` }]);
  }
}

// ------------------------------------------------------- the development CA

/** `<IDENTITY_DIR>/tls`, or `<DATA_DIR>/identity/tls`: beside the development issuer's key. */
export function developmentTlsDirectory(env: Pick<GrpcTlsEnv, "DATA_DIR" | "IDENTITY_DIR">): string {
  return path.resolve(env.IDENTITY_DIR ?? path.join(env.DATA_DIR, "identity"), "tls");
}

/** The files of a development TLS directory. */
export const DEVELOPMENT_TLS_FILES = {
  ca: "ca.crt",
  /** The server certificate followed by the CA's: the chain a server presents. */
  serverCertificate: "server.crt",
  serverKey: "server.key",
  clientCertificate: "client.crt",
  clientKey: "client.key",
} as const;

export interface DevelopmentTls {
  directory: string;
  /** PEM of the CA clients trust; as GRPC_TLS_CLIENT_CA_FILE it admits the development client. */
  caPem: string;
  serverCertificatePem: string;
  serverKeyPem: string;
  /** A client certificate of the same CA, for mutual TLS in development and tests. */
  clientCertificatePem: string;
  clientKeyPem: string;
  /** Absolute paths of the files above. */
  files: Record<keyof typeof DEVELOPMENT_TLS_FILES, string>;
}

/** The server certificate names the loopback host every way a local client may dial it. */
const SERVER_NAMES: x509.JsonGeneralName[] = [
  { type: "dns", value: "localhost" },
  { type: "ip", value: "127.0.0.1" },
  { type: "ip", value: "::1" },
];
const VALIDITY_YEARS = 5;
const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

/**
 * The local TLS CA of embedded and development mode (like the development
 * issuer and the test PKI): on first use, a CA, a server certificate for the
 * loopback names and a client certificate are made in a private staging
 * directory and renamed into `directory` in one step, so processes sharing
 * it all read the same set (the first rename wins; the others discard
 * theirs). Private keys are 0600 in a 0700 directory. The CA's own key is
 * discarded once both certificates are signed: nothing else can ever be
 * issued under it. Delete the directory to start over.
 */
export async function openDevelopmentTls(directory: string): Promise<DevelopmentTls> {
  const files = Object.fromEntries(
    Object.entries(DEVELOPMENT_TLS_FILES).map(([name, file]) => [name, path.join(directory, file)]),
  ) as DevelopmentTls["files"];
  if (!existsSync(files.ca)) await createDevelopmentTls(directory);
  const read = (file: string) => {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`development TLS directory ${directory} is incomplete; delete it to make a new one`, {
        cause: error,
      });
    }
  };
  return {
    directory,
    caPem: read(files.ca),
    serverCertificatePem: read(files.serverCertificate),
    serverKeyPem: read(files.serverKey),
    clientCertificatePem: read(files.clientCertificate),
    clientKeyPem: read(files.clientKey),
    files,
  };
}

async function createDevelopmentTls(directory: string): Promise<void> {
  const parent = path.dirname(directory);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(path.join(parent, `.${path.basename(directory)}-`));
  try {
    const made = await issueDevelopmentSet();
    const write = (file: string, text: string, mode: number) =>
      writeFileSync(path.join(staging, file), text, { mode, flag: "wx" });
    write(DEVELOPMENT_TLS_FILES.ca, made.ca, 0o644);
    write(DEVELOPMENT_TLS_FILES.serverCertificate, made.serverChain, 0o644);
    write(DEVELOPMENT_TLS_FILES.serverKey, made.serverKey, 0o600);
    write(DEVELOPMENT_TLS_FILES.clientCertificate, made.clientChain, 0o644);
    write(DEVELOPMENT_TLS_FILES.clientKey, made.clientKey, 0o600);
    renameSync(staging, directory);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    // Another process renamed its set in first: use that one.
    if (existsSync(path.join(directory, DEVELOPMENT_TLS_FILES.ca))) return;
    throw new Error(`development TLS directory ${directory} exists without ${DEVELOPMENT_TLS_FILES.ca}; delete it`, {
      cause: error,
    });
  }
}

async function issueDevelopmentSet() {
  const crypto = webcrypto;
  const notBefore = new Date(Date.now() - 60 * 60 * 1000); // an hour back: clocks of containers drift
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + VALIDITY_YEARS);

  const caKeys = await crypto.subtle.generateKey(KEY_ALGORITHM, false, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=LienThong development CA, O=LienThong development",
      keys: caKeys,
      notBefore,
      notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const leaf = async (commonName: string, usage: x509.ExtendedKeyUsage, names: x509.JsonGeneralName[]) => {
    const keys = await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
    const certificate = await x509.X509CertificateGenerator.create(
      {
        subject: `CN=${commonName}, O=LienThong development`,
        issuer: ca.subject,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        notBefore,
        notAfter,
        signingAlgorithm: SIGNING_ALGORITHM,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([usage]),
          ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
        ],
      },
      crypto,
    );
    const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
    return {
      chain: `${certificate.toString("pem")}\n${ca.toString("pem")}\n`,
      key: `${x509.PemConverter.encode(pkcs8, "PRIVATE KEY")}\n`,
    };
  };

  const server = await leaf("localhost", x509.ExtendedKeyUsage.serverAuth, SERVER_NAMES);
  const client = await leaf("lienthong-development-client", x509.ExtendedKeyUsage.clientAuth, []);
  return {
    ca: `${ca.toString("pem")}\n`,
    serverChain: server.chain,
    serverKey: server.key,
    clientChain: client.chain,
    clientKey: client.key,
  };
}
