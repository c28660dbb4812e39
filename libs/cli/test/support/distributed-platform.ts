import { tempDir, type TempDir } from "@lienthong/testing";
import {
  SERVICE_NAMES,
  killServiceProcesses,
  serviceEntryPoint,
  startServiceProcess,
  type ServiceName,
  type ServiceProcess,
} from "./kafka-platform";

/** Lines that say nothing of a failure and would crowd out those that do: the checker polls every API. */
const ROUTINE_LINE = /"msg":"(http request|audit log sealed)"/;

export { MOCK_SESSION_TIMEOUT_MS, mockClusterEnv } from "../../src/bench/kafka-platform";

/** One replica of a service: its processes over time (one at a time), on its service's data directory. */
export interface ServiceInstance {
  readonly name: ServiceName;
  /** `routing-2`: the service and the replica's number. */
  readonly label: string;
  /** The running process; undefined while the instance is down. */
  readonly current: ServiceProcess | undefined;
  /** Every process the instance ran, oldest first (their logs stay readable). */
  readonly runs: readonly ServiceProcess[];
}

class Instance implements ServiceInstance {
  current: ServiceProcess | undefined;
  readonly runs: ServiceProcess[] = [];

  constructor(
    readonly name: ServiceName,
    readonly label: string,
    readonly dataDir: TempDir,
  ) {}
}

export interface DistributedPlatformOptions {
  /** Variables of every process (mockClusterEnv and the test's own). */
  env: NodeJS.ProcessEnv;
  /** Replicas per service (default 1 each); a service left out is not started. */
  replicas?: Partial<Record<ServiceName, number>>;
  /** Instances (by label, "routing-2") left down at the start, for a test to start later with restart(). */
  startLater?: readonly string[];
  startTimeoutMs?: number;
}

/**
 * The services as separate processes, each service's replicas on one data
 * directory — its store, shared by the replicas as they would share one
 * MongoDB database (SQLite in WAL mode lets processes of one machine do so).
 * An instance can be killed with SIGKILL and started again on the same data,
 * and callers find a running replica by service name, whichever process it
 * is now.
 */
export class DistributedPlatform {
  private readonly instances: Instance[];
  private readonly dataDirs: TempDir[];

  private constructor(
    private readonly options: DistributedPlatformOptions,
    instances: Instance[],
    dataDirs: TempDir[],
  ) {
    this.instances = instances;
    this.dataDirs = dataDirs;
  }

  /** Starts every instance at once; rejects (after stopping whatever started) when one does not start. */
  static async start(options: DistributedPlatformOptions): Promise<DistributedPlatform> {
    // Fail fast, before starting anything, when the services were not built.
    for (const name of SERVICE_NAMES) serviceEntryPoint(name);
    const instances: Instance[] = [];
    const dataDirs: TempDir[] = [];
    for (const name of SERVICE_NAMES) {
      const replicas = options.replicas ? (options.replicas[name] ?? 0) : 1;
      if (replicas === 0) continue;
      const dataDir = await tempDir(`lienthong-distributed-${name}`);
      dataDirs.push(dataDir);
      for (let replica = 1; replica <= replicas; replica += 1) {
        instances.push(new Instance(name, `${name}-${replica}`, dataDir));
      }
    }
    const platform = new DistributedPlatform(options, instances, dataDirs);
    const now = instances.filter((instance) => !options.startLater?.includes(instance.label));
    const launches = await Promise.allSettled(now.map((instance) => platform.restart(instance)));
    const failed = launches.filter((launch): launch is PromiseRejectedResult => launch.status === "rejected");
    if (failed.length > 0) {
      await platform.stop();
      throw new Error(failed.map((launch) => String(launch.reason)).join("\n\n"));
    }
    return platform;
  }

  /** Every instance, in service order. */
  all(): readonly ServiceInstance[] {
    return this.instances;
  }

  instancesOf(name: ServiceName): readonly ServiceInstance[] {
    return this.instances.filter((instance) => instance.name === name);
  }

  /** The HTTP URL of a running replica of the service; throws while none runs (callers retry). */
  url(name: ServiceName): string {
    const running = this.instancesOf(name).find((instance) => instance.current);
    if (!running?.current) throw new Error(`no ${name} process is running`);
    return running.current.httpUrl;
  }

  /** SIGKILL, as a power cut or the OOM killer would: no shutdown hook runs. Resolves once the process is gone. */
  async kill9(instance: ServiceInstance): Promise<void> {
    const own = this.own(instance);
    const running = own.current;
    if (!running) return;
    own.current = undefined;
    running.child.kill("SIGKILL");
    await running.exited;
  }

  /** Starts the instance (again) on its data directory; resolves once it announced its address. */
  async restart(instance: ServiceInstance): Promise<ServiceProcess> {
    const own = this.own(instance);
    if (own.current) throw new Error(`${own.label} is still running`);
    const started = await startServiceProcess({
      name: own.name,
      env: this.options.env,
      startTimeoutMs: this.options.startTimeoutMs ?? 25_000,
      dataDir: own.dataDir,
    });
    own.runs.push(started);
    own.current = started;
    return started;
  }

  /** True when each of the instances (default: all) runs and answers /readyz with 200. */
  async ready(instances: readonly ServiceInstance[] = this.instances): Promise<boolean> {
    const running = instances.flatMap((instance) => (instance.current ? [instance.current] : []));
    if (running.length < instances.length) return false;
    const answers = await Promise.all(
      running.map(async (process) => {
        try {
          return (await fetch(`${process.httpUrl}/readyz`)).ok;
        } catch {
          return false;
        }
      }),
    );
    return answers.every(Boolean);
  }

  /** The last lines of every process each instance ran, for a failure message. */
  logTails(lines = 40): string {
    return this.instances
      .flatMap((instance) =>
        instance.runs.map(
          (run, index) =>
            `--- ${instance.label} (run ${index + 1} of ${instance.runs.length}) ---\n${run.logs.text(lines, ROUTINE_LINE)}`,
        ),
      )
      .join("\n");
  }

  /** SIGKILL whatever still runs and delete the data directories. */
  async stop(): Promise<void> {
    for (const instance of this.instances) instance.current = undefined;
    await killServiceProcesses(this.instances.flatMap((instance) => instance.runs));
    await Promise.all(this.dataDirs.map((dir) => dir.remove()));
  }

  private own(instance: ServiceInstance): Instance {
    const own = this.instances.find((candidate) => candidate === instance);
    if (!own) throw new Error(`${instance.label} is not an instance of this platform`);
    return own;
  }
}
