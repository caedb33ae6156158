import type { CallToolRequest } from '@bedrock-mcp/contracts';
import { ToolCallRerouted, type CallToolOptions, type PreferredToolCallTransport, type ToolCallResult, type ToolCallTransport } from './tool-call-transport.js';

export interface TransportSelectorOptions {
  /** Tried first when available (the call socket); none means every call takes `fallback`. */
  preferred?: PreferredToolCallTransport | undefined;
  /** Takes every call: those the preferred one cannot take now, and those it reroutes (HTTP NDJSON). */
  fallback: ToolCallTransport;
}

/**
 * Chooses the transport per call: the preferred one while it is available, the fallback otherwise
 * and for calls the preferred one reroutes. It owns both and closes both.
 */
export class TransportSelector implements ToolCallTransport {
  constructor(private readonly options: TransportSelectorOptions) {}

  async call(userId: string, request: CallToolRequest, options: CallToolOptions): Promise<ToolCallResult> {
    const { preferred, fallback } = this.options;
    if (options.signal?.aborted) throw options.signal.reason;
    if (preferred?.available()) {
      try {
        return await preferred.call(userId, request, options);
      } catch (error) {
        if (!(error instanceof ToolCallRerouted)) throw error;
      }
    }
    return fallback.call(userId, request, options);
  }

  close(): void {
    this.options.fallback.close();
    this.options.preferred?.close();
  }
}
