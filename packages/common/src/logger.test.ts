import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

/** A logger whose JSON lines are kept in `lines`. */
function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', destination }) };
}

describe('createLogger', () => {
  it('writes one JSON line per event and never the secrets', () => {
    const { lines, logger } = capturingLogger();
    logger.info({ userId: 'alice', config: { env: { EXA_API_KEY: 'sk-live-1' }, token: 'tok-2' }, req: { headers: { authorization: 'Bearer k-3' } } }, 'added');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', service: 'test', userId: 'alice', msg: 'added' });
    for (const secret of ['sk-live-1', 'tok-2', 'k-3']) expect(lines[0]).not.toContain(secret);
  });

  it('never writes sign-in secrets: the OIDC client secret, a session cookie or CSRF token', () => {
    const { lines, logger } = capturingLogger();
    logger.info({ settings: { OIDC_CLIENT_SECRET: 'oidc-s-1' }, session: { csrfToken: 'csrf-2' }, req: { headers: { cookie: 'bmcp_session=c-3', 'x-csrf-token': 'csrf-4' } } }, 'x');
    for (const secret of ['oidc-s-1', 'csrf-2', 'c-3', 'csrf-4']) expect(lines[0]).not.toContain(secret);
  });
});
