import type { CatalogTool } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { approvalReason } from './approval-gate.js';

const tool = (requireApproval?: CatalogTool['requireApproval']): CatalogTool => ({
  name: 'everything__echo',
  serverId: 'everything',
  toolName: 'echo',
  description: '',
  inputSchema: {},
  ...(requireApproval === undefined ? {} : { requireApproval }),
});

describe('approvalReason', () => {
  it('needs no approval without any policy, or when every policy exempts the tool', () => {
    expect(approvalReason(tool(), undefined)).toBeUndefined();
    expect(approvalReason(tool('never'), 'never')).toBeUndefined();
    expect(approvalReason(tool({ always: { tool_names: ['other'] } }), { never: { tool_names: ['echo'] } })).toBeUndefined();
  });

  it("names the server when the server's policy asks, even when the request says never", () => {
    expect(approvalReason(tool({ always: { tool_names: ['echo'] } }), 'never')).toBe('server everything requires approval for echo');
    expect(approvalReason(tool('always'), undefined)).toBe('server everything requires approval for echo');
  });

  it('names the request when only the request asks', () => {
    expect(approvalReason(tool(), 'always')).toBe('the request requires approval for echo');
    expect(approvalReason(tool('never'), { never: { tool_names: ['get-sum'] } })).toBe('the request requires approval for echo');
  });
});
