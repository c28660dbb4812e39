import * as path from "node:path";
import { runGrpcLoad, runLoad, type LoadSettings } from "./load";
import { startLoneIntake } from "./lone-intake";
import { benchHost, startBaselineServer, type ChildHandle } from "./processes";
import type { Progress } from "./progress";
import type { RoundFigures } from "./report";

export interface PairedRoundsOptions {
  workDir: string;
  rounds: number;
  load: LoadSettings;
  /** Children to stop if the run is cut short; these rounds add and remove their servers. */
  running: Set<ChildHandle>;
  progress: Progress;
}

/**
 * The throughput figures in rounds: every server runs from the start, and
 * each round loads them one after another — the express echo, intake over
 * REST, the grpc-js echo, intake over gRPC, intake without tracing — so each
 * ratio compares two runs seconds apart. Measured minutes apart, a baseline
 * and its subject did not share the machine: on the bench's 2-core virtual
 * machine the express echo alone moved from 4,201 to 8,166 req/s between two
 * runs twenty minutes apart (decision 66). Resolves with every round.
 */
export async function measurePairedRounds(options: PairedRoundsOptions): Promise<RoundFigures[]> {
  const { load, running, progress } = options;
  const identityDir = path.join(options.workDir, "identity");
  const servers: ChildHandle[] = [];
  const started = <S extends ChildHandle>(server: S): S => {
    servers.push(server);
    running.add(server);
    return server;
  };
  try {
    const express = started(await startBaselineServer("bare-server.js"));
    const echo = started(await startBaselineServer("grpc-echo-server.js"));
    const traced = started(await startLoneIntake(identityDir, { tracing: true }));
    const untraced = started(await startLoneIntake(identityDir, { tracing: false }));
    const rest = (label: string, url: string, apiKey?: string) =>
      progress.overLoad(label, load, (onTick) =>
        runLoad({ ...load, url, ...(apiKey ? { headers: { "x-api-key": apiKey } } : {}) }, onTick),
      );
    const unary = (label: string, address: string, method: "echo" | "submitApplication", apiKey?: string) =>
      progress.overLoad(label, load, (onTick) => runGrpcLoad({ ...load, address, method, apiKey }, onTick));

    const rounds: RoundFigures[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      progress.line(
        `  round ${round} of ${options.rounds}: express echo, intake REST, grpc-js echo, intake gRPC, intake REST without tracing`,
      );
      rounds.push({
        express: await rest("bare express echo", `http://${benchHost}:${express.port}/echo`),
        intakeRest: await rest("intake REST", traced.applicationsUrl, traced.apiKey),
        grpcEcho: await unary("bare grpc-js echo", `${benchHost}:${echo.port}`, "echo"),
        intakeGrpc: await unary("intake gRPC", traced.grpcAddress, "submitApplication", traced.apiKey),
        intakeUntraced: await rest("intake REST, no tracing", untraced.applicationsUrl, untraced.apiKey),
      });
    }
    return rounds;
  } finally {
    await Promise.allSettled(servers.map((server) => server.stop()));
    for (const server of servers) running.delete(server);
  }
}
