import { describe, expect, it } from 'vitest';
import { createTurnKeys } from './turn-keys.js';

describe('createTurnKeys', () => {
  it('builds the key strings stored data and other deployments already use', () => {
    const keys = createTurnKeys('bmcp:');
    expect({
      channel: keys.turnChannel('chatcmpl-a'),
      log: keys.turnLog('chatcmpl-a'),
      seq: keys.turnSeq('chatcmpl-a'),
      meta: keys.turnMeta('chatcmpl-a'),
      cancel: keys.turnCancel('chatcmpl-a'),
      checkpoint: keys.turnCheckpoint('chatcmpl-a'),
      toolResults: keys.turnToolResults('chatcmpl-a'),
      cancelChannel: keys.cancelChannel(),
      hubChannel: keys.hubChannel('h1'),
      rate: keys.userRateLimit('u1', 60_000),
      rateBucket: keys.userRateLimit('u1', 60_000, 'mcp-starts'),
      activeTurns: keys.userActiveTurns('u1'),
    }).toEqual({
      channel: 'bmcp:turn:{chatcmpl-a}:events',
      log: 'bmcp:turn:{chatcmpl-a}:log',
      seq: 'bmcp:turn:{chatcmpl-a}:seq',
      meta: 'bmcp:turn:{chatcmpl-a}:meta',
      cancel: 'bmcp:turn:{chatcmpl-a}:cancel',
      checkpoint: 'bmcp:turn:{chatcmpl-a}:checkpoint',
      toolResults: 'bmcp:turn:{chatcmpl-a}:tool-results',
      cancelChannel: 'bmcp:turn-cancel',
      hubChannel: 'bmcp:turn:hub:h1:events',
      rate: 'bmcp:user:{u1}:rate:60000',
      rateBucket: 'bmcp:user:{u1}:rate:mcp-starts:60000',
      activeTurns: 'bmcp:user:{u1}:active-turns',
    });
  });
});
