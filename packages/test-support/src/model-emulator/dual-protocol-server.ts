import { createServer as createHttp1Server } from 'node:http';
import {
  constants as http2Constants,
  createServer as createHttp2Server,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ExchangeHandler } from './http-exchange.js';

/**
 * One TCP port for two protocols. The Bedrock SDK always speaks HTTP/2, and to an `http://` endpoint it uses
 * cleartext HTTP/2 with prior knowledge (no Upgrade), which `node:http` cannot serve; the OpenAI client speaks
 * HTTP/1.1, which a plain `node:http2` server cannot serve (`allowHTTP1` needs TLS/ALPN). So each connection's
 * first bytes are compared with the HTTP/2 client preface and the socket is handed to the matching server.
 */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export interface DualProtocolServer {
  readonly port: number;
  /** Stops accepting, destroys every open connection. Idempotent. */
  close(): Promise<void>;
}

export async function listenDualProtocol(
  handler: ExchangeHandler,
  address: { host: string; port: number },
): Promise<DualProtocolServer> {
  const http1 = createHttp1Server(handler);
  const http2 = createHttp2Server(handler);
  const sockets = new Set<Socket>();
  const http2Sessions = new Set<ServerHttp2Session>();
  const http2Streams = new Set<ServerHttp2Stream>();
  http2.on('session', (session) => {
    http2Sessions.add(session);
    session.once('close', () => http2Sessions.delete(session));
  });
  http2.on('stream', (stream) => {
    http2Streams.add(stream);
    stream.once('close', () => http2Streams.delete(stream));
  });
  const tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy()); // resets by test clients are routine
    dispatchByPreface(socket, (isHttp2) => {
      if (isHttp2) {
        // The HTTP/2 session drains data already buffered on the socket before reading the handle itself.
        http2.emit('connection', socket);
      } else {
        // The HTTP/1 parser reads the handle directly; resuming replays the buffered bytes through 'data'.
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(address.port, address.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    port: (tcp.address() as AddressInfo).port,
    close() {
      closing ??= closeAll(tcp, { sessions: http2Sessions, streams: http2Streams }, sockets);
      return closing;
    },
  };
}

/** Sessions that have not finished closing by then are cut with their socket. */
const SESSION_CLOSE_DEADLINE_MS = 500;

interface Http2Traffic {
  sessions: ReadonlySet<ServerHttp2Session>;
  streams: ReadonlySet<ServerHttp2Stream>;
}

async function closeAll(tcp: Server, http2: Http2Traffic, sockets: ReadonlySet<Socket>): Promise<void> {
  const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
  // The Bedrock SDK ends a stream silently when only its connection goes away (or when a reset is lost with a
  // destroyed socket), which would hide the interruption from the test. So open streams are reset with an
  // error code, and sessions close themselves after flushing, before any socket is destroyed.
  for (const stream of http2.streams) stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
  await withDeadline(Promise.all([...http2.sessions].map(closeSession)), SESSION_CLOSE_DEADLINE_MS);
  for (const socket of sockets) socket.destroy();
  await closed;
}

/** `closed` only means closing gracefully (e.g. after the client's GOAWAY): still wait for the flush. */
function closeSession(session: ServerHttp2Session): Promise<void> {
  if (session.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    session.once('close', () => resolve());
    if (!session.closed) session.close();
  });
}

async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Buffers the first bytes until they prove or rule out the HTTP/2 preface, then puts them back on the socket. */
function dispatchByPreface(socket: Socket, dispatch: (isHttp2: boolean) => void): void {
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    const comparable = Math.min(received.length, HTTP2_PREFACE.length);
    const matchesSoFar = received.subarray(0, comparable).equals(HTTP2_PREFACE.subarray(0, comparable));
    if (matchesSoFar && comparable < HTTP2_PREFACE.length) return;
    socket.off('data', onData);
    socket.pause();
    socket.unshift(received);
    dispatch(matchesSoFar);
  };
  socket.on('data', onData);
}
