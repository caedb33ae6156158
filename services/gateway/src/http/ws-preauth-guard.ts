import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export interface PreAuthGuardOptions {
  /** Sockets one gateway keeps open while they are not authenticated yet (chat and voice together). */
  maxSockets: number;
  /** Bytes a chat socket may send before it is authenticated (frame headers included). */
  maxBytes: number;
}

/** Milliseconds a refused socket gets to receive its close frame before it is cut. */
const REFUSAL_GRACE_MS = 1000;

/**
 * What a WebSocket costs the gateway before anyone knows who opened it. The upgrade itself needs
 * no credential (a browser cannot send one on it), so without this a stranger could hold any number
 * of sockets, or stream a frame as large as an authenticated user may send, for the whole auth
 * deadline. One guard per gateway, shared by its WebSocket endpoints.
 */
export class PreAuthGuard {
  private waiting = 0;

  constructor(readonly options: PreAuthGuardOptions) {}

  /** Sockets open and not authenticated yet. */
  get unauthenticated(): number {
    return this.waiting;
  }

  /** Takes a place for a new socket, or undefined when none is free. Call the returned function (idempotent) once it authenticated or closed. */
  admit(): (() => void) | undefined {
    if (this.waiting >= this.options.maxSockets) return undefined;
    this.waiting += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.waiting -= 1;
    };
  }

  /**
   * Counts the bytes arriving on an upgraded socket (`head` first) and calls `onExceeded` once they
   * pass maxBytes. It reads the raw socket, so it trips while a large frame is still arriving,
   * before the WebSocket library has buffered it. Returns the function that stops counting.
   */
  countBytes(socket: Duplex, head: Buffer, onExceeded: () => void): () => void {
    let received = head.length;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= this.options.maxBytes) return;
      stop();
      onExceeded();
    };
    const stop = () => socket.off('data', onData);
    if (received > this.options.maxBytes) queueMicrotask(onExceeded);
    else socket.on('data', onData);
    return stop;
  }
}

/**
 * Closes a socket the gateway refuses with `code`: stops reading from it at once (ws.pause also
 * keeps the library from resuming it, so nothing more is buffered), sends the close frame, and cuts
 * the connection if the client has not closed it soon after.
 */
export function refuseSocket(ws: WebSocket, code: number, reason: string): void {
  ws.pause();
  ws.close(code, reason);
  setTimeout(() => ws.terminate(), REFUSAL_GRACE_MS).unref();
}
