import { closedLoopLoad, summarize } from './bench-stats.js';

/** Something measured side by side with others in one run: a floor chain or the platform. */
export interface BenchTarget {
  readonly name: string;
  /** One time to first token through the target (ms). */
  ttft(sample: number): Promise<number>;
  /** One sample of the baseline its added time to first token is taken against (ms). */
  direct(): Promise<number>;
  /** One request of client `client` in the throughput run; true when the answer was right. */
  request(client: number): Promise<boolean>;
  /** Processes whose CPU is metered while this target is under load, by name. */
  pids(): Record<string, number>;
  /** The names in pids() whose CPU is the target's own cost (its services, and Redis when metered). */
  serviceNames(): string[];
  close(): void;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Added time to first token of each target: sequential samples, each a baseline call right before
 * a call through the target; the targets take turns sample by sample, in an order that rotates, so
 * drift of the machine hits all of them alike.
 */
export async function interleavedTtft(targets: readonly BenchTarget[], options: { samples: number; warmup: number }) {
  const direct = targets.map(() => [] as number[]);
  const via = targets.map(() => [] as number[]);
  for (let i = 0; i < options.warmup + options.samples; i++) {
    for (let k = 0; k < targets.length; k++) {
      const index = (i + k) % targets.length;
      const target = targets[index]!;
      const d = await target.direct();
      const v = await target.ttft(i);
      if (i < options.warmup) continue;
      direct[index]!.push(d);
      via[index]!.push(v);
    }
  }
  return Object.fromEntries(
    targets.map((target, index) => {
      const d = summarize(direct[index]!);
      const v = summarize(via[index]!);
      return [target.name, { directMs: d, viaTargetMs: v, addedP50Ms: round3(v.p50 - d.p50), addedP99Ms: round3(v.p99 - d.p99) }];
    }),
  );
}

export type AddedTtft = Awaited<ReturnType<typeof interleavedTtft>>[string];

/**
 * Completions/s of each target at `concurrency` closed-loop clients, and CPU per completion of each
 * metered process. `rounds` windows of `seconds / rounds` each per target; the order reverses every
 * round (A B, B A, …) so a steady drift of the machine's load cancels out.
 */
export async function alternatingLoad(targets: readonly BenchTarget[], options: { concurrency: number; seconds: number; rounds: number; warmupSeconds: number }) {
  const totals = targets.map(() => ({ completed: 0, failed: 0, elapsedSeconds: 0, cpuSeconds: {} as Record<string, number>, perWindow: [] as number[] }));
  for (let r = 0; r < options.rounds; r++) {
    const order = targets.map((_, index) => index);
    if (r % 2 === 1) order.reverse();
    for (const index of order) {
      const target = targets[index]!;
      const load = await closedLoopLoad({
        concurrency: options.concurrency,
        warmupSeconds: options.warmupSeconds,
        seconds: options.seconds / options.rounds,
        pids: target.pids(),
        request: (client) => target.request(client),
      });
      const total = totals[index]!;
      total.completed += load.completed;
      total.failed += load.failed;
      total.elapsedSeconds += load.elapsedSeconds;
      total.perWindow.push(load.perSecond);
      for (const [name, seconds] of Object.entries(load.cpuSecondsInWindow)) total.cpuSeconds[name] = (total.cpuSeconds[name] ?? 0) + seconds;
    }
  }
  return Object.fromEntries(
    targets.map((target, index) => {
      const total = totals[index]!;
      const perCompletion = (seconds: number) => round3((seconds * 1000) / Math.max(1, total.completed));
      const services = target.serviceNames();
      return [
        target.name,
        {
          concurrency: options.concurrency,
          completionsPerSecond: Math.round(total.completed / total.elapsedSeconds),
          completionsPerSecondPerWindow: total.perWindow,
          failed: total.failed,
          cpuMsPerCompletion: Object.fromEntries(Object.entries(total.cpuSeconds).map(([name, seconds]) => [name, perCompletion(seconds)])),
          servicesCpuMsPerCompletion: perCompletion(services.reduce((sum, name) => sum + (total.cpuSeconds[name] ?? 0), 0)),
          servicesMetered: services,
        },
      ];
    }),
  );
}

export type LoadResult = Awaited<ReturnType<typeof alternatingLoad>>[string];
