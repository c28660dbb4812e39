import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One message the sink accepted: whom it was for and its Message-ID, the id notification keeps across retries. */
export interface SunkMail {
  messageId: string;
  recipients: string[];
}

export interface SmtpSink {
  url: string;
  /** Every accepted message, in arrival order; a message sent twice is here twice. */
  received: readonly SunkMail[];
  close(): Promise<void>;
}

const MESSAGE_ID = /^message-id:\s*<([^>]+)>/im;

/**
 * A mail server (nodemailer's smtp-server) that accepts everything and
 * remembers each arrival, so a test counts what a mail provider would have
 * received — a resend included — rather than files a resend overwrites.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: SunkMail[] = [];
  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offer (its built-in certificate is not trusted), no AUTH.
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("latin1");
        const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
        received.push({
          messageId: MESSAGE_ID.exec(head)?.[1] ?? "",
          recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
        });
        // Accepted only once recorded: the sender's success implies the test can see the message.
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
