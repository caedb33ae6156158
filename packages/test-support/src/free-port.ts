import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const BLOCK_SIZE = 400;
const DEFAULT_EPHEMERAL_LOW = 32_768;

/**
 * A TCP port for a child process to listen on, free right now.
 *
 * `listen(0)`-then-close is racy when test files run in parallel: the kernel hands the same
 * ephemeral range to every other `listen(0)` and outgoing connection, so a port can be taken (and a
 * health check answered by somebody else's service) before the child binds it. Ports here come
 * from below the kernel's ephemeral range instead, from a block of its own per vitest worker
 * (`VITEST_POOL_ID`), starting at a random offset so consecutive files in one worker do not reuse
 * the ports of the file before.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < BLOCK_SIZE; attempt += 1) {
    const port = portBlock.first + (portBlock.cursor++ % BLOCK_SIZE);
    if (await isBindable(port)) return port;
  }
  throw new Error(`no free port in ${portBlock.first}–${portBlock.first + BLOCK_SIZE - 1}`);
}

const portBlock = (() => {
  const workerIndex = Math.max(0, Number.parseInt(process.env.VITEST_POOL_ID ?? '0', 10) || 0);
  const first = ephemeralLow() - (workerIndex + 1) * BLOCK_SIZE;
  if (first < 1024) throw new Error(`VITEST_POOL_ID ${workerIndex} leaves no port block below the ephemeral range`);
  return { first, cursor: Math.floor(Math.random() * BLOCK_SIZE) };
})();

function ephemeralLow(): number {
  try {
    const low = Number.parseInt(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0] ?? '', 10);
    return Number.isFinite(low) && low > 2048 ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/** Listens on every interface (what a service without a host does), so any holder of the port shows. */
function isBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
