/**
 * `lienthong dead-letters list|show|replay|discard`: the operators' hold on
 * what the services' consumers gave up on, through each service's
 * /ops/dead-letters API (operator-api.ts).
 */
import { InvalidArgumentError, type Command } from "commander";
import type { ServiceName } from "@lienthong/contracts";
import { DEAD_LETTER_ID } from "@lienthong/messaging";
import {
  SERVICE_NAMES,
  call,
  connect,
  guarded,
  print,
  withConnectionOptions,
  ServiceRefused,
  type ConnectionOptions,
} from "./operator-api";
import { table } from "./table";

interface LetterSummary {
  id: string;
  type: string;
  key: string;
  reason: string;
  attempts: number;
  failedAt: string;
  state: string;
}

function serviceOfLetter(id: string): ServiceName {
  const service = DEAD_LETTER_ID.exec(id)?.[1];
  if (!service || !SERVICE_NAMES.includes(service)) {
    throw new InvalidArgumentError(`"${id}" is not a dead letter's id (lienthong.deadletter.<service>.v1:<p>:<o>)`);
  }
  return service as ServiceName;
}

export function registerDeadLetterCommands(program: Command): void {
  const group = program
    .command("dead-letters")
    .description("what the services' consumers gave up on: list, show, replay, discard (operator role)");

  withConnectionOptions(
    group
      .command("list")
      .description("dead letters of every service (or one), newest first")
      .option("--service <name>", `only this service: ${SERVICE_NAMES.join(", ")}`)
      .option("--state <state>", "open, replaying, replayed or discarded", "open")
      .option("--type <ceType>", "only letters of this event type"),
  ).action(
    guarded(async (options: ConnectionOptions & { service?: string; state: string; type?: string }) => {
      if (options.service && !SERVICE_NAMES.includes(options.service)) {
        throw new InvalidArgumentError(`--service must be one of ${SERVICE_NAMES.join(", ")}`);
      }
      const connection = await connect(options);
      const services = (options.service ? [options.service] : SERVICE_NAMES) as ServiceName[];
      const query = new URLSearchParams({ state: options.state, ...(options.type && { type: options.type }) });
      // One service down must not hide the others' letters: those that answered are listed, the rest named.
      const pages = await Promise.allSettled(
        services.map(async (service) => {
          const page = (await call(connection, service, `/ops/dead-letters?${query.toString()}`)) as {
            letters: LetterSummary[];
          };
          return page.letters.map((letter) => ({ service, ...letter }));
        }),
      );
      const letters = pages.flatMap((page) => (page.status === "fulfilled" ? page.value : []));
      const unanswered = pages.flatMap((page) => (page.status === "rejected" ? [page.reason as unknown] : []));
      for (const reason of unanswered) {
        if (!(reason instanceof ServiceRefused)) throw reason;
        process.stderr.write(`${reason.message}\n`);
        process.exitCode = 1;
      }
      letters.sort((a, b) => b.failedAt.localeCompare(a.failedAt));
      print(options, { letters }, () => {
        if (letters.length === 0) return `no ${options.state} dead letters`;
        return table(
          ["id", "type", "dossier", "reason", "attempts", "failed at", "state"],
          letters.map((letter) => [
            letter.id,
            letter.type || "(not a CloudEvent)",
            letter.key,
            letter.reason,
            letter.attempts,
            letter.failedAt,
            letter.state,
          ]),
          [4],
        );
      });
    }),
  );

  withConnectionOptions(
    group
      .command("show <id>")
      .description("one letter: why it failed, its headers, its payload (personal data masked)"),
  ).action(
    guarded(async (id: string, options: ConnectionOptions) => {
      const service = serviceOfLetter(id);
      const letter = await call(await connect(options), service, `/ops/dead-letters/${encodeURIComponent(id)}`);
      print(options, letter, () => JSON.stringify(letter, null, 2));
    }),
  );

  withConnectionOptions(
    group
      .command("replay <ids...>")
      .description("send letters back to their topics with their event ids; consumers that handled them pass over"),
  ).action(
    guarded(async (ids: string[], options: ConnectionOptions) => {
      const services = ids.map(serviceOfLetter);
      const connection = await connect(options);
      const replayed: unknown[] = [];
      for (const [index, id] of ids.entries()) {
        replayed.push(
          await call(connection, services[index]!, `/ops/dead-letters/${encodeURIComponent(id)}/replay`, {
            method: "POST",
          }),
        );
        if (!options.json) process.stdout.write(`replayed ${id}\n`);
      }
      if (options.json) print(options, { replayed }, () => "");
    }),
  );

  withConnectionOptions(
    group
      .command("discard <id>")
      .description("give a letter up, saying why (kept with the letter)")
      .requiredOption("--reason <text>", "why it is given up"),
  ).action(
    guarded(async (id: string, options: ConnectionOptions & { reason: string }) => {
      const service = serviceOfLetter(id);
      const letter = await call(
        await connect(options),
        service,
        `/ops/dead-letters/${encodeURIComponent(id)}/discard`,
        {
          method: "POST",
          body: { reason: options.reason },
        },
      );
      print(options, letter, () => `discarded ${id}`);
    }),
  );
}
