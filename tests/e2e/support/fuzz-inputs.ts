// Malformed and oversized inputs for the API fuzz run (tests/e2e/fuzz.test.ts): a seeded generator,
// so a failure names a seed that reproduces it. Every input is built from a valid request by a few
// random mutations, or is garbage outright; none of them is expected to be accepted, but a mutation
// may leave a request valid, and the gateway must answer that too.

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%ZZ',
  '__proto__',
  'constructor',
  '{"$ne":null}',
  '<script>alert(1)</script>',
  '\ud800',
  '🦜'.repeat(50),
  'a'.repeat(70),
  "'; DROP TABLE users; --",
  'data:image/png;base64,!!!!',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  'NaN',
  '-1',
  '1e309',
];

/** A random JSON value, at most `depth` levels deep; `big` allows large strings and arrays. */
function randomJson(random: FuzzRandom, depth = 3, big = false): unknown {
  const kind = random.int(depth > 0 ? 9 : 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 31), 1e308, Number.MIN_VALUE]);
    case 3:
      return random.pick(NASTY_STRINGS);
    case 4:
      return big && random.chance(0.3) ? 'x'.repeat(random.int(300_000)) : randomText(random, 40);
    case 5:
      return random.int(1_000_000);
    case 6:
    case 7:
      return Array.from({ length: random.int(big ? 2000 : 5) }, () => randomJson(random, depth - 1, false));
    default: {
      const object: Record<string, unknown> = {};
      for (let index = random.int(5); index > 0; index--) object[random.pick([...NASTY_STRINGS, 'role', 'content', 'type', 'text'])] = randomJson(random, depth - 1, big);
      return object;
    }
  }
}

function randomText(random: FuzzRandom, maxLength: number): string {
  let text = '';
  for (let index = random.int(maxLength); index > 0; index--) text += String.fromCharCode(random.chance(0.9) ? 32 + random.int(95) : random.int(0x3000));
  return text;
}

/** Nested arrays `depth` deep: `[[[…]]]` (a parser that recurses without bound overflows its stack). */
function deeplyNested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function validChatBody(model: string): Record<string, unknown> {
  return {
    model,
    stream: false,
    max_tokens: 50,
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
    ],
    mcp_server_ids: ['everything'],
    extra_params: { enable_thinking: false, budget_tokens: 1024 },
  };
}

/** Applies 1–3 random mutations (delete, replace, retype, nest) somewhere inside `value`. */
function mutate(random: FuzzRandom, value: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(value);
  for (let count = 1 + random.int(3); count > 0; count--) {
    let target: Record<string, unknown> | unknown[] = copy;
    // Walk down a random path of objects and arrays.
    for (let depth = random.int(4); depth > 0; depth--) {
      const keys = Object.keys(target);
      if (keys.length === 0) break;
      const child = (target as Record<string, unknown>)[random.pick(keys)];
      if (child === null || typeof child !== 'object') break;
      target = child as Record<string, unknown> | unknown[];
    }
    const keys = Object.keys(target);
    const key = keys.length > 0 && random.chance(0.8) ? random.pick(keys) : random.pick(NASTY_STRINGS);
    if (random.chance(0.25)) delete (target as Record<string, unknown>)[key];
    else (target as Record<string, unknown>)[key] = randomJson(random, 3, random.chance(0.1));
  }
  return copy;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** What it is, for failure messages. */
  kind: string;
}

const ROUTES: ReadonlyArray<[string, string]> = [
  ['POST', '/v1/chat/completions'],
  ['GET', '/v1/chat/completions/{id}/stream'],
  ['POST', '/v1/stop/stream/{id}'],
  ['GET', '/v1/models'],
  ['GET', '/v1/list/models'],
  ['GET', '/v1/list/mcp_server'],
  ['GET', '/v1/mcp_servers'],
  ['GET', '/v1/mcp_servers/{id}/tools'],
  ['POST', '/v1/add/mcp_server'],
  ['DELETE', '/v1/remove/mcp_server/{id}'],
  ['POST', '/v1/remove/history'],
  ['POST', '/v1/voice/ticket'],
  ['GET', '/openapi.json'],
  ['GET', '/v2/nothing'],
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const RANDOM_IDS = ['chatcmpl-x', '..', '%2e%2e', 'a'.repeat(300), '🦜', '%ZZ', '', 'everything', 'local_fs', '__proto__', 'a%00b'];

/**
 * One malformed or oversized request: a mutated chat or management body, garbage bytes, a body
 * over the size limit, deep nesting, a wrong method, a bad id in the path, or bad headers.
 * `auth` is the valid Authorization + X-User-ID headers; most requests carry them, so the fuzz
 * reaches past authentication.
 */
export function randomRequest(random: FuzzRandom, auth: Record<string, string>, model: string, maxBodyBytes: number): FuzzRequest {
  const headers: Record<string, string> = random.chance(0.85) ? { ...auth } : random.pick<Record<string, string>>([{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic Zm9vOmJhcg==' }, { authorization: `Bearer ${'k'.repeat(5000)}` }]);
  if (random.chance(0.1)) headers['x-user-id'] = random.pick(NASTY_STRINGS.filter((value) => /^[\x20-\x7e]*$/.test(value)));
  const json = (value: unknown) => {
    headers['content-type'] = random.chance(0.9) ? 'application/json' : random.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data']);
    return JSON.stringify(value);
  };
  switch (random.int(10)) {
    case 0:
    case 1:
    case 2: {
      const body = mutate(random, validChatBody(model));
      if (random.chance(0.3)) body.stream = true;
      return { method: 'POST', path: '/v1/chat/completions', headers, body: json(body), kind: 'mutated chat' };
    }
    case 3:
      return {
        method: 'POST',
        path: '/v1/add/mcp_server',
        headers,
        body: json(mutate(random, { server_id: 'fuzz', server_desc: 'x', command: 'node', args: ['-e', '1'], env: {}, config_json: {} })),
        kind: 'mutated server add',
      };
    case 4: {
      headers['content-type'] = 'application/json';
      const bytes = new Uint8Array(random.int(2000));
      for (let index = 0; index < bytes.length; index++) bytes[index] = random.int(256);
      return { method: 'POST', path: random.pick(['/v1/chat/completions', '/v1/add/mcp_server', '/v1/voice/ticket']), headers, body: bytes, kind: 'garbage bytes' };
    }
    case 5:
      headers['content-type'] = 'application/json';
      return random.chance(0.5)
        ? { method: 'POST', path: '/v1/chat/completions', headers, body: `{"model":"${model}","messages":[{"role":"user","content":"${'x'.repeat(maxBodyBytes + random.int(maxBodyBytes))}"}]}`, kind: 'body over the limit' }
        : { method: 'POST', path: '/v1/chat/completions', headers, body: deeplyNested(5000 + random.int(50_000)), kind: 'deep nesting' };
    case 6: {
      headers['content-type'] = 'application/json';
      const text = JSON.stringify(validChatBody(model));
      return { method: 'POST', path: '/v1/chat/completions', headers, body: text.slice(0, random.int(text.length)), kind: 'truncated JSON' };
    }
    case 7: {
      const [, template] = random.pick(ROUTES);
      const path = template.replace('{id}', encodeURIComponent(random.pick(RANDOM_IDS)).replace(/%25/g, random.chance(0.5) ? '%' : '%25'));
      if (random.chance(0.3)) headers['last-event-id'] = random.pick(['-1', 'abc', '99999999999999999999', '1.5']);
      return { method: random.pick(METHODS), path: random.chance(0.2) ? `${path}?after=${random.pick(['-5', 'x', '1e9'])}` : path, headers, kind: 'route and method' };
    }
    case 8: {
      const [method, template] = random.pick(ROUTES);
      const path = template.replace('{id}', encodeURIComponent(random.pick(RANDOM_IDS)));
      return { method, path, headers, body: method === 'GET' ? undefined : json(randomJson(random, 4, true)), kind: 'random JSON body' };
    }
    default: {
      headers['x-stream-format'] = random.pick(['seed', 'openai', 'nope', '']);
      const body = validChatBody(model);
      body.messages = Array.from({ length: 1 + random.int(3000) }, (_, index) => ({ role: index % 2 ? 'assistant' : 'user', content: randomText(random, 20) }));
      return { method: 'POST', path: '/v1/chat/completions', headers, body: json(body), kind: 'many messages' };
    }
  }
}

/** One frame for the chat WebSocket: garbage, oversized, or a mutated protocol frame. */
export function randomSocketFrame(random: FuzzRandom, model: string, maxFrameBytes: number): string | Buffer {
  switch (random.int(6)) {
    case 0:
      return Buffer.from(randomText(random, 200));
    case 1:
      return randomText(random, 200);
    case 2:
      return 'x'.repeat(maxFrameBytes + 1 + random.int(maxFrameBytes));
    case 3:
      return JSON.stringify(mutate(random, { type: 'chat', requestId: 'r1', body: validChatBody(model) }));
    case 4:
      return JSON.stringify(mutate(random, { type: random.pick(['stop', 'resume', 'ping', 'auth', 'nope']), turnId: 'chatcmpl-x', afterSeq: 0 }));
    default:
      return deeplyNested(1000 + random.int(20_000));
  }
}
