import { Counter, Gauge, Histogram, type Registry } from '@bedrock-mcp/common';
import type { ChatJob, FinishReason } from '@bedrock-mcp/contracts';

/** Prometheus metrics of the turns this worker process runs. */
export class TurnMetrics {
  private readonly finished: Counter<'finish_reason' | 'model'>;
  private readonly duration: Histogram<'finish_reason'>;
  private readonly running: Gauge;

  /** `knownModels`: the configured model ids; others are labelled `unknown` so clients cannot grow the label set. */
  constructor(
    registry: Registry,
    private readonly knownModels: ReadonlySet<string>,
  ) {
    this.finished = new Counter({ name: 'agent_turns_total', help: 'Chat turns finished, by finish reason and model', labelNames: ['finish_reason', 'model'], registers: [registry] });
    this.duration = new Histogram({
      name: 'agent_turn_duration_seconds',
      help: 'Wall time of a chat turn, from pick-up to done',
      labelNames: ['finish_reason'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers: [registry],
    });
    this.running = new Gauge({ name: 'agent_turns_running', help: 'Chat turns running in this process', registers: [registry] });
  }

  /** Wraps a turn runner so every turn is counted and timed, whatever its outcome. */
  instrument<A extends unknown[]>(run: (job: ChatJob, ...rest: A) => Promise<FinishReason | 'paused'>): (job: ChatJob, ...rest: A) => Promise<FinishReason | 'paused'> {
    return async (job, ...rest) => {
      const started = performance.now();
      this.running.inc();
      let reason: FinishReason | 'paused' = 'error';
      try {
        reason = await run(job, ...rest);
        return reason;
      } finally {
        this.running.dec();
        this.finished.inc({ finish_reason: reason, model: this.knownModels.has(job.model) ? job.model : 'unknown' });
        this.duration.observe({ finish_reason: reason }, (performance.now() - started) / 1000);
      }
    };
  }
}
