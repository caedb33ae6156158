import { describe, expect, it } from 'vitest';
import { JsonRpcLineReader, MessageTooLargeError } from './json-rpc-line-reader.js';

describe('JsonRpcLineReader', () => {
  it('splits lines across and within chunks, dropping \\r\\n line ends', () => {
    const reader = new JsonRpcLineReader(100);
    expect(reader.push(Buffer.from('{"a":'))).toEqual([]);
    expect(reader.push(Buffer.from('1}\r\n{"b":2}\n{"c"'))).toEqual(['{"a":1}', '{"b":2}']);
    expect(reader.push(Buffer.from(':3}\n'))).toEqual(['{"c":3}']);
  });

  it('keeps multi-byte characters split between chunks whole', () => {
    const reader = new JsonRpcLineReader(100);
    const bytes = Buffer.from('"café"\n');
    expect([...reader.push(bytes.subarray(0, 4)), ...reader.push(bytes.subarray(4))]).toEqual(['"café"']);
  });

  it('refuses a line longer than the limit while it is still arriving, counting only that line', () => {
    const reader = new JsonRpcLineReader(10);
    expect(reader.push(Buffer.from('0123456789\n0123456789\n'))).toEqual(['0123456789', '0123456789']);
    reader.push(Buffer.from('01234'));
    expect(() => reader.push(Buffer.from('567890'))).toThrow(MessageTooLargeError);
    expect(() => new JsonRpcLineReader(10).push(Buffer.from('0123456789A\n'))).toThrow(/longer than 10 bytes \(MCP_MAX_MESSAGE_BYTES\)/);
  });
});
