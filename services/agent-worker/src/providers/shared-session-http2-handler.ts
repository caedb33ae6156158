import { NodeHttp2Handler, type NodeHttp2HandlerOptions } from '@smithy/node-http-handler';

type HandleArguments = Parameters<NodeHttp2Handler['handle']>;

/** Model calls multiplexed on one HTTP/2 connection to Bedrock before another is opened. */
const DEFAULT_STREAMS_PER_SESSION = 32;

export interface SharedSessionHttp2HandlerOptions {
  /** Streams one session carries before the next call opens another session; default 32. */
  maxStreamsPerSession?: number;
  /** Milliseconds a session may go without any frame before it is closed (idle, or every stream on it silent). */
  idleSessionMs: number;
}

/**
 * The SDK's HTTP/2 handler, except that event-stream responses (ConverseStream) share pooled
 * sessions like every other call. The SDK gives each event stream a session of its own, meant for
 * streams that also send (InvokeModelWithBidirectionalStream, used here only by voice, with its
 * own client); a ConverseStream only receives, so the new connection (TCP, TLS, SETTINGS) per model
 * call would buy nothing. Sharing halves the CPU a model call costs the worker and the model
 * endpoint (bench/gateway). A session the server ends with GOAWAY takes no new streams. The cost: a
 * connection that fails fails every call in flight on it (at most `maxStreamsPerSession`), not one;
 * the provider retries those that had not streamed anything yet.
 */
export class SharedSessionHttp2Handler extends NodeHttp2Handler {
  constructor(options: SharedSessionHttp2HandlerOptions) {
    const config: NodeHttp2HandlerOptions = { maxConcurrentStreams: options.maxStreamsPerSession ?? DEFAULT_STREAMS_PER_SESSION, sessionTimeout: options.idleSessionMs };
    super(config);
  }

  override handle(request: HandleArguments[0], options: HandleArguments[1] = {}): ReturnType<NodeHttp2Handler['handle']> {
    return super.handle(request, { ...options, isEventStream: false });
  }
}
