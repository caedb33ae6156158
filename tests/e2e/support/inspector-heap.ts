import { WebSocket } from 'ws';

/**
 * A process's V8 heap through its inspector (`node --inspect=127.0.0.1:<port>`): forces a full
 * garbage collection, then reads the used heap. Lets a test compare memory before and after a load
 * without the noise of garbage not yet collected.
 */
export class InspectorHeap {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
    });
  }

  /** Connects to the inspector listening on `port` (127.0.0.1). */
  static async connect(port: number): Promise<InspectorHeap> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new InspectorHeap(socket);
  }

  /** Bytes of V8 heap in use after a full collection. */
  async usedAfterGc(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    const { usedSize } = (await this.call('Runtime.getHeapUsage')) as { usedSize: number };
    return usedSize;
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer from the inspector`)), 30_000);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(result);
      });
      this.socket.send(JSON.stringify({ id, method }));
    });
  }
}
