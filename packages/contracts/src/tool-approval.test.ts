import { describe, expect, it } from 'vitest';
import {
  ApprovalPolicySchema,
  ChatCompletionRequestSchema,
  ChatJobSchema,
  McpServersImportSchema,
  normalizeMcpServerEntry,
  policyRequiresApproval,
  requiresApproval,
} from './index.js';

describe('approval policy', () => {
  it('accepts the Responses API shapes and refuses others', () => {
    for (const policy of ['always', 'never', {}, { always: { tool_names: ['a'] } }, { never: { tool_names: ['b'] } }]) {
      expect(ApprovalPolicySchema.safeParse(policy).success).toBe(true);
    }
    for (const policy of ['sometimes', { always: ['a'] }, { always: { tool_names: ['a'] }, maybe: {} }, { never: { tool_names: [''] } }]) {
      expect(ApprovalPolicySchema.safeParse(policy).success).toBe(false);
    }
  });

  it('"always" and "never" apply to every tool; no policy means no approval', () => {
    expect(policyRequiresApproval('always', 'echo')).toBe(true);
    expect(policyRequiresApproval('never', 'echo')).toBe(false);
    expect(policyRequiresApproval(undefined, 'echo')).toBe(false);
  });

  it('an always list names exactly the tools that need approval', () => {
    const policy = { always: { tool_names: ['delete'] } };
    expect(policyRequiresApproval(policy, 'delete')).toBe(true);
    expect(policyRequiresApproval(policy, 'read')).toBe(false);
  });

  it('a never list alone exempts only the tools it names', () => {
    const policy = { never: { tool_names: ['read'] } };
    expect(policyRequiresApproval(policy, 'read')).toBe(false);
    expect(policyRequiresApproval(policy, 'delete')).toBe(true);
  });

  it('with both lists, always wins for a name in both and unlisted tools need none', () => {
    const policy = { always: { tool_names: ['delete', 'read'] }, never: { tool_names: ['read', 'list'] } };
    expect(policyRequiresApproval(policy, 'read')).toBe(true);
    expect(policyRequiresApproval(policy, 'list')).toBe(false);
    expect(policyRequiresApproval(policy, 'other')).toBe(false);
    expect(policyRequiresApproval({}, 'other')).toBe(false);
  });

  it('any applicable policy requiring approval wins: a request cannot lower the server floor', () => {
    expect(requiresApproval([{ always: { tool_names: ['delete'] } }, 'never'], 'delete')).toBe(true);
    expect(requiresApproval(['never', undefined], 'delete')).toBe(false);
    expect(requiresApproval([undefined, 'always'], 'read')).toBe(true);
    expect(requiresApproval([], 'read')).toBe(false);
  });
});

describe('policy on requests, jobs and server configs', () => {
  it('carries require_approval on the chat request and the job, absent by default', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(ChatCompletionRequestSchema.parse(base).require_approval).toBeUndefined();
    expect(ChatCompletionRequestSchema.parse({ ...base, require_approval: 'always' }).require_approval).toBe('always');
    expect(ChatCompletionRequestSchema.safeParse({ ...base, require_approval: 'yes' }).success).toBe(false);
    const job = {
      turnId: 'chatcmpl-abcdefgh',
      userId: 'u1',
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      mcpServerIds: [],
      keepSession: false,
      maxTokens: 10,
      thinking: { enabled: false, budgetTokens: 1024 },
      onlyNMostRecentImages: 3,
      createdAt: 1,
    };
    expect(ChatJobSchema.parse(job).requireApproval).toBeUndefined();
    expect(ChatJobSchema.parse({ ...job, requireApproval: { never: { tool_names: ['x'] } } }).requireApproval).toEqual({
      never: { tool_names: ['x'] },
    });
  });

  it('normalizes a server entry policy into the config, and leaves it out when absent', () => {
    const imported = McpServersImportSchema.parse({
      mcpServers: {
        guarded: { command: 'npx', require_approval: { always: { tool_names: ['rm'] } } },
        open: { url: 'https://example.com/mcp' },
      },
    });
    expect(normalizeMcpServerEntry(imported.mcpServers.guarded!).requireApproval).toEqual({ always: { tool_names: ['rm'] } });
    expect(normalizeMcpServerEntry(imported.mcpServers.open!)).not.toHaveProperty('requireApproval');
    expect(McpServersImportSchema.safeParse({ mcpServers: { bad: { command: 'x', require_approval: 'often' } } }).success).toBe(false);
  });
});
