import { BEDROCK_TOOL_NAME_PATTERN } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { assignToolNames, type ToolRef } from './tool-names.js';

function roundTrip(refs: ToolRef[]) {
  const { names, nameOf } = assignToolNames(refs);
  for (const ref of refs) {
    const name = nameOf(ref);
    expect(name).toMatch(BEDROCK_TOOL_NAME_PATTERN);
    expect(names.get(name)).toEqual(ref);
  }
  expect(names.size).toBe(new Set(refs.map((ref) => `${ref.serverId}\0${ref.toolName}`)).size);
  return nameOf;
}

describe('assignToolNames', () => {
  it('keeps <server>__<tool> when it is already valid and unique', () => {
    const nameOf = roundTrip([
      { serverId: 'everything', toolName: 'echo' },
      { serverId: 'local_fs', toolName: 'read_file' },
    ]);
    expect(nameOf({ serverId: 'everything', toolName: 'echo' })).toBe('everything__echo');
    expect(nameOf({ serverId: 'local_fs', toolName: 'read_file' })).toBe('local_fs__read_file');
  });

  it('sanitizes characters Bedrock refuses and keeps the mapping exact', () => {
    const nameOf = roundTrip([
      { serverId: 'my.server', toolName: 'get sum' },
      { serverId: 'my.server', toolName: 'get/sum' },
      { serverId: 'my_server', toolName: 'get_sum' },
    ]);
    const names = [nameOf({ serverId: 'my.server', toolName: 'get sum' }), nameOf({ serverId: 'my.server', toolName: 'get/sum' })];
    expect(names[0]).toMatch(/^my_server__get_sum_[0-9a-f]{8}$/);
    expect(names[0]).not.toBe(names[1]);
    expect(nameOf({ serverId: 'my_server', toolName: 'get_sum' })).toBe('my_server__get_sum');
  });

  it('fits names over 64 characters and keeps long names that share a prefix apart', () => {
    const longTool = 'a'.repeat(80);
    const refs = [
      { serverId: 'server', toolName: longTool },
      { serverId: 'server', toolName: `${longTool}b` },
      { serverId: 'x'.repeat(64), toolName: 'tool' },
    ];
    const nameOf = roundTrip(refs);
    for (const ref of refs) expect(nameOf(ref).length).toBeLessThanOrEqual(64);
    expect(nameOf(refs[0]!)).not.toBe(nameOf(refs[1]!));
  });

  it('resolves collisions between servers whose joined names coincide', () => {
    const refs = [
      { serverId: 'a', toolName: '_b' },
      { serverId: 'a_', toolName: 'b' },
    ];
    const nameOf = roundTrip(refs);
    expect(nameOf(refs[0]!)).not.toBe(nameOf(refs[1]!));
  });

  it('does not depend on the order of the tools', () => {
    const refs = Array.from({ length: 30 }, (_, i) => ({ serverId: i % 2 ? 'srv.one' : 'srv_one', toolName: `tool ${i % 7}` }));
    const forward = assignToolNames(refs);
    const backward = assignToolNames([...refs].reverse());
    expect([...forward.names.keys()].sort()).toEqual([...backward.names.keys()].sort());
    for (const ref of refs) expect(forward.nameOf(ref)).toBe(backward.nameOf(ref));
  });

  it('maps many tools of many servers to distinct valid names', () => {
    const refs: ToolRef[] = [];
    for (let s = 0; s < 20; s++) for (let t = 0; t < 50; t++) refs.push({ serverId: `server-${s}.example`, toolName: `tool:${t}:${'x'.repeat(t)}` });
    roundTrip(refs);
  });
});
