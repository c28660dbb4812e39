import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";

/**
 * Just enough of a Kafka broker to watch a client connect: ApiVersions, SASL
 * (SCRAM-SHA-256/512, verified as a real broker verifies it, with the
 * password the test gives it) and Metadata v0 naming itself, over plaintext
 * or TLS. librdkafka's mock cluster speaks neither SASL nor TLS (its 2.0.2
 * sources, src/rdkafka_mock*.c, handle no SaslHandshake, SaslAuthenticate or
 * SSL listener), and there is no real broker here.
 */
export interface FakeBrokerOptions {
  /** Serve TLS with this chain and key; with `clientCa`, require a client certificate it issued. */
  tls?: { cert: string; key: string; clientCa?: string };
  /** Require SASL/SCRAM as one of these users (name → password) before any other request. */
  scramUsers?: Record<string, string>;
}

export interface FakeBroker {
  /** "localhost:<port>", the name its TLS certificate carries. */
  address: string;
  /** What clients did, in order: "tls handshake", "tls refused", "sasl SCRAM-SHA-512 intake accepted", "Metadata"… */
  events: string[];
  close(): Promise<void>;
}

const API = { metadata: 3, saslHandshake: 17, apiVersions: 18, saslAuthenticate: 36 } as const;
const SASL_AUTHENTICATION_FAILED = 58;
const UNSUPPORTED_SASL_MECHANISM = 33;
const ITERATIONS = 4096;
const DIGESTS = { "SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512" } as const;

export async function startFakeKafkaBroker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const events: string[] = [];
  const sockets = new Set<net.Socket>();
  const serve = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    new BrokerConnection(socket, options, events, () => port);
  };
  const server = options.tls
    ? tls.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ca: options.tls.clientCa,
          requestCert: options.tls.clientCa !== undefined,
          rejectUnauthorized: options.tls.clientCa !== undefined,
        },
        (socket) => {
          events.push("tls handshake");
          serve(socket);
        },
      )
    : net.createServer(serve);
  server.on("tlsClientError", (error: Error) => events.push(`tls refused: ${error.message}`));
  await new Promise<void>((resolve) => server.listen(0, "localhost", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `localhost:${port}`,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

class BrokerConnection {
  private buffered = Buffer.alloc(0);
  private authenticated: boolean;
  private mechanism: keyof typeof DIGESTS | undefined;
  private scram: { user: string; firstBare: string; serverFirst: string; salt: Buffer; nonce: string } | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: FakeBrokerOptions,
    private readonly events: string[],
    private readonly port: () => number,
  ) {
    this.authenticated = options.scramUsers === undefined;
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      this.handle(new Reader(frame));
    }
  }

  private handle(request: Reader): void {
    const apiKey = request.int16();
    const apiVersion = request.int16();
    const correlationId = request.int32();
    request.string(); // client id
    const reply = (body: Writer) => {
      const header = new Writer().int32(correlationId);
      const payload = Buffer.concat([header.buffer(), body.buffer()]);
      this.socket.write(Buffer.concat([new Writer().int32(payload.length).buffer(), payload]));
    };
    switch (apiKey) {
      case API.apiVersions: {
        const apis: [number, number, number][] = [
          [API.apiVersions, 0, 2],
          [API.metadata, 0, 0],
        ];
        if (this.options.scramUsers) apis.push([API.saslHandshake, 0, 1], [API.saslAuthenticate, 0, 1]);
        const body = new Writer().int16(0).int32(apis.length);
        for (const [key, min, max] of apis) body.int16(key).int16(min).int16(max);
        if (apiVersion >= 1) body.int32(0);
        reply(body);
        return;
      }
      case API.saslHandshake: {
        const mechanism = request.string() ?? "";
        const enabled = Object.keys(DIGESTS);
        const supported = enabled.includes(mechanism);
        if (supported) this.mechanism = mechanism as keyof typeof DIGESTS;
        else this.events.push(`sasl mechanism ${mechanism} refused`);
        const body = new Writer().int16(supported ? 0 : UNSUPPORTED_SASL_MECHANISM).int32(enabled.length);
        for (const name of enabled) body.string(name);
        reply(body);
        return;
      }
      case API.saslAuthenticate: {
        const outcome = this.scramStep(request.bytes().toString("utf8"));
        const body = new Writer()
          .int16(outcome.error ? SASL_AUTHENTICATION_FAILED : 0)
          .nullableString(outcome.error ?? null)
          .bytes(Buffer.from(outcome.reply ?? "", "utf8"));
        if (apiVersion >= 1) body.int64Zero();
        reply(body);
        return;
      }
      case API.metadata: {
        if (!this.authenticated) {
          // A real broker drops a connection that skips authentication.
          this.events.push("Metadata before authentication");
          this.socket.destroy();
          return;
        }
        this.events.push("Metadata");
        reply(new Writer().int32(1).int32(1).string("localhost").int32(this.port()).int32(0));
        return;
      }
      default:
        this.socket.destroy();
    }
  }

  /** RFC 5802, the server's side. */
  private scramStep(message: string): { reply?: string; error?: string } {
    const digest = this.mechanism && DIGESTS[this.mechanism];
    const users = this.options.scramUsers ?? {};
    if (!digest) return { error: "no SASL handshake" };
    if (!this.scram) {
      const firstBare = message.replace(/^n,,/, "");
      const fields = attributes(firstBare);
      const user = fields.n ?? "";
      const nonce = `${fields.r ?? ""}${randomBytes(18).toString("base64")}`;
      const salt = randomBytes(16);
      const serverFirst = `r=${nonce},s=${salt.toString("base64")},i=${ITERATIONS}`;
      this.scram = { user, firstBare, serverFirst, salt, nonce };
      return { reply: serverFirst };
    }
    const { user, firstBare, serverFirst, salt, nonce } = this.scram;
    const fields = attributes(message);
    const withoutProof = message.replace(/,p=[^,]*$/, "");
    const password = users[user];
    const fail = () => {
      this.events.push(`sasl ${this.mechanism} ${user} refused`);
      return {
        error: `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`,
      };
    };
    if (password === undefined || fields.r !== nonce) return fail();
    const salted = pbkdf2Sync(password, salt, ITERATIONS, createHash(digest).digest().length, digest);
    const hmac = (key: Buffer, text: string) => createHmac(digest, key).update(text).digest();
    const clientKey = hmac(salted, "Client Key");
    const storedKey = createHash(digest).update(clientKey).digest();
    const authMessage = `${firstBare},${serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(fields.p ?? "", "base64");
    if (proof.length !== signature.length) return fail();
    const presentedKey = Buffer.from(proof.map((byte, i) => byte ^ (signature[i] ?? 0)));
    if (!timingSafeEqual(createHash(digest).update(presentedKey).digest(), storedKey)) return fail();
    this.authenticated = true;
    this.events.push(`sasl ${this.mechanism} ${user} accepted`);
    return { reply: `v=${hmac(hmac(salted, "Server Key"), authMessage).toString("base64")}` };
  }
}

/** "n=intake,r=abc" → { n: "intake", r: "abc" } (values may contain "="). */
function attributes(message: string): Record<string, string> {
  return Object.fromEntries(
    message.split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at), part.slice(at + 1)];
    }),
  );
}

class Reader {
  private offset = 0;
  constructor(private readonly data: Buffer) {}
  int16(): number {
    const value = this.data.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  int32(): number {
    const value = this.data.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  string(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const value = this.data.toString("utf8", this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  bytes(): Buffer {
    const length = this.int32();
    const value = this.data.subarray(this.offset, this.offset + Math.max(length, 0));
    this.offset += Math.max(length, 0);
    return value;
  }
}

class Writer {
  private readonly parts: Buffer[] = [];
  int16(value: number): this {
    const part = Buffer.alloc(2);
    part.writeInt16BE(value);
    this.parts.push(part);
    return this;
  }
  int32(value: number): this {
    const part = Buffer.alloc(4);
    part.writeInt32BE(value);
    this.parts.push(part);
    return this;
  }
  int64Zero(): this {
    this.parts.push(Buffer.alloc(8));
    return this;
  }
  string(value: string): this {
    const text = Buffer.from(value, "utf8");
    this.int16(text.length);
    this.parts.push(text);
    return this;
  }
  nullableString(value: string | null): this {
    return value === null ? this.int16(-1) : this.string(value);
  }
  bytes(value: Buffer): this {
    this.int32(value.length);
    this.parts.push(value);
    return this;
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
