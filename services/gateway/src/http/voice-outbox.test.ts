import type { VoiceServerFrame } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { VoiceOutbox, type FrameSink } from './voice-outbox.js';

/** A socket whose kernel side the test controls: sent frames stay buffered until `flush()`. */
class ManualSink implements FrameSink {
  readonly sent: string[] = [];
  private pending: Array<{ bytes: number; written: () => void }> = [];
  bufferedAmount = 0;

  send(data: string, written: () => void): void {
    this.sent.push(data);
    this.bufferedAmount += data.length;
    this.pending.push({ bytes: data.length, written });
  }

  /** The client read everything: every write completes. */
  flush(): void {
    const pending = this.pending;
    this.pending = [];
    for (const write of pending) {
      this.bufferedAmount -= write.bytes;
      write.written();
    }
  }

  types(): string[] {
    return this.sent.map((data) => (JSON.parse(data) as VoiceServerFrame).type);
  }
}

const audio = (size = 1000): VoiceServerFrame => ({ type: 'audio_data', data: 'A'.repeat(size), sampleRate: 24000 });
const text = (content: string): VoiceServerFrame => ({ type: 'text', role: 'assistant', utteranceId: 'u1', content, final: true });

describe('VoiceOutbox', () => {
  it('hands frames to the socket until the high-water mark, then holds them in order until it drains', () => {
    const sink = new ManualSink();
    const outbox = new VoiceOutbox(sink, { highWaterBytes: 2500, maxQueuedBytes: 100_000, onOverflow: () => expect.fail('no overflow') });
    for (let index = 0; index < 6; index += 1) outbox.push(audio());
    expect(sink.sent).toHaveLength(3); // ~1050 bytes each: the third crossed 2500
    expect(outbox.queuedBytes).toBeGreaterThan(3000);
    sink.flush();
    expect(sink.sent).toHaveLength(6);
    expect(outbox.queuedBytes).toBe(0);
  });

  it('drops queued audio (only) on barge-in, keeping the order of everything else', () => {
    const sink = new ManualSink();
    const outbox = new VoiceOutbox(sink, { highWaterBytes: 1500, maxQueuedBytes: 100_000, onOverflow: () => expect.fail('no overflow') });
    outbox.push(audio());
    outbox.push(audio());
    outbox.push(text('partial'));
    outbox.push(audio());
    outbox.push({ type: 'interrupted' });
    outbox.push(audio(10));
    sink.flush();
    sink.flush();
    expect(sink.types()).toEqual(['audio_data', 'audio_data', 'text', 'interrupted', 'audio_data']);
    expect(JSON.parse(sink.sent.at(-1)!)).toMatchObject({ data: 'A'.repeat(10) });
  });

  it('gives up on a client that does not read: overflow once, then nothing more is buffered', () => {
    const sink = new ManualSink();
    const overflows: number[] = [];
    const outbox = new VoiceOutbox(sink, { highWaterBytes: 1000, maxQueuedBytes: 5000, onOverflow: (bytes) => overflows.push(bytes) });
    for (let index = 0; index < 20; index += 1) outbox.push(audio());
    expect(overflows).toHaveLength(1);
    expect(overflows[0]).toBeGreaterThan(5000);
    expect(outbox.queuedBytes).toBe(0);
    const sentBefore = sink.sent.length;
    sink.flush();
    outbox.push(audio());
    expect(sink.sent).toHaveLength(sentBefore);
  });

  it('drained() waits for queued frames to reach the socket', async () => {
    const sink = new ManualSink();
    const outbox = new VoiceOutbox(sink, { highWaterBytes: 100, maxQueuedBytes: 100_000, onOverflow: () => undefined });
    outbox.push(audio());
    outbox.push({ type: 'error', code: 'upstream_error', message: 'boom' });
    let drained = false;
    const waiting = outbox.drained().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    sink.flush();
    await waiting;
    expect(sink.types()).toEqual(['audio_data', 'error']);
  });
});
