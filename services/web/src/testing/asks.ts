import type { ApprovalAsk } from '@bedrock-mcp/contracts';

/** An ask to approve a call of everything's echo (ask `ask_approve0001`, tool use `t1`); `overrides` changes what a test needs. */
export function approvalAsk(overrides: Partial<ApprovalAsk> = {}): ApprovalAsk {
  return {
    kind: 'approval',
    id: 'ask_approve0001',
    toolUseId: 't1',
    name: 'everything__echo',
    serverId: 'everything',
    toolName: 'echo',
    input: { message: 'ping' },
    reason: 'The admin requires approval for echo',
    ...overrides,
  };
}
