/**
 * The last lines a child wrote to stderr, bounded by line count and by bytes (UTF-16 code units,
 * close enough for a diagnostic tail), so a chatty or hostile server cannot grow the pool's memory.
 */
export class StderrRing {
  private readonly lines: string[] = [];
  private totalLength = 0;
  private partial = '';

  constructor(
    private readonly maxLines = 50,
    private readonly maxLength = 16 * 1024,
  ) {}

  append(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split(/\r?\n/);
    this.partial = (parts.pop() ?? '').slice(-this.maxLength);
    for (const line of parts) this.push(line);
  }

  /** The kept lines, oldest first, including an unfinished last line. */
  tail(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }

  private push(line: string): void {
    const kept = line.length > this.maxLength ? line.slice(0, this.maxLength) : line;
    this.lines.push(kept);
    this.totalLength += kept.length;
    while (this.lines.length > this.maxLines || (this.totalLength > this.maxLength && this.lines.length > 1)) {
      this.totalLength -= this.lines.shift()?.length ?? 0;
    }
  }
}
