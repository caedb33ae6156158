import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** p50/p99/mean of samples (ms), rounded to µs. */
export function summarize(samples: readonly number[]): { n: number; p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 1000) / 1000;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1);
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), mean: round(mean) };
}

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process, in MiB. */
export function rssMiB(pid: number): number {
  return Math.round(rssKiB(pid) / 1024);
}

/** Resident memory of a process, in KiB. */
export function rssKiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1]);
  } catch {
    return Number.NaN;
  }
}

/** Samples several processes' CPU over a window: CPU seconds used by each. */
export function cpuMeter(pids: Record<string, number>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  return () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, Math.round((cpuSeconds(pid) - start[name]!) * 100) / 100]));
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Heading for a Markdown results table: the day (UTC, YYYY-MM-DD) and the machine's load average as the run ends. */
export function runHeading(title: string): string {
  return `### ${title} — ${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} CPUs, load average ${loadAverage()}`;
}

export interface ClosedLoopOptions {
  concurrency: number;
  warmupSeconds: number;
  seconds: number;
  /** Processes whose CPU is metered over the measured window. */
  pids: Record<string, number>;
  /** One request of client `client`; resolves true when the answer was right. A rejection counts as a failure. */
  request: (client: number) => Promise<boolean>;
}

/** `concurrency` clients each send `request` after the last one's answer: a warm-up, then `seconds` measured. */
export async function closedLoopLoad(options: ClosedLoopOptions) {
  let completed = 0;
  let failed = 0;
  const latencies: number[] = [];
  let measuring = false;
  let running = true;
  const client = async (index: number) => {
    while (running) {
      const started = performance.now();
      const ok = await options.request(index).catch(() => false);
      if (!measuring) continue;
      if (ok) {
        completed += 1;
        latencies.push(performance.now() - started);
      } else failed += 1;
    }
  };
  const clients = Array.from({ length: options.concurrency }, (_, index) => client(index));
  await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1000));
  const cpu = cpuMeter(options.pids);
  measuring = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  measuring = false;
  const elapsedS = (performance.now() - started) / 1000;
  const cpuSecondsInWindow = cpu();
  running = false;
  await Promise.all(clients);
  return {
    completed,
    failed,
    elapsedSeconds: elapsedS,
    perSecond: Math.round(completed / elapsedS),
    latencyMs: summarize(latencies),
    cpuSecondsInWindow,
    cpuMsPerCompletion: Object.fromEntries(
      Object.entries(cpuSecondsInWindow).map(([name, seconds]) => [name, Math.round(((seconds * 1000) / Math.max(1, completed)) * 1000) / 1000]),
    ),
  };
}
