/** A server wrote a line longer than the reader's limit. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
}

/**
 * Splits a stdio byte stream into lines (one JSON-RPC message each, as MCP's stdio transport
 * frames them), holding at most `maxLineBytes` of an unfinished line: a server that writes a longer
 * one gets MessageTooLargeError instead of making the pool buffer it. The pieces of a long line are
 * joined once, when its newline arrives (not once per chunk).
 */
export class JsonRpcLineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(readonly maxLineBytes: number) {}

  /** The lines `chunk` completes, without their line ends; throws MessageTooLargeError once a line passes the limit. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      lines.push(this.finish(chunk.subarray(start, newline)));
      start = newline + 1;
    }
    const rest = chunk.subarray(start);
    this.assertFits(rest.length);
    if (rest.length > 0) {
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  clear(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private finish(tail: Buffer): string {
    this.assertFits(tail.length);
    const bytes = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.clear();
    const line = bytes.toString('utf8');
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }

  private assertFits(more: number): void {
    if (this.pendingBytes + more <= this.maxLineBytes) return;
    this.clear();
    throw new MessageTooLargeError(`the server wrote a message longer than ${this.maxLineBytes} bytes (MCP_MAX_MESSAGE_BYTES)`);
  }
}
