import { describe, expect, it } from 'vitest';
import { approvalBadgeText } from './approval-badge.js';

describe('approvalBadgeText', () => {
  it('names the tools that ask, as the policy rules decide, and nothing for a server that never asks', () => {
    expect(approvalBadgeText(undefined)).toBeUndefined();
    expect(approvalBadgeText('never')).toBeUndefined();
    expect(approvalBadgeText({})).toBeUndefined();
    expect(approvalBadgeText({ always: { tool_names: [] } })).toBeUndefined();
    expect(approvalBadgeText('always')).toBe('Asks for your approval before any of its tools runs');
    expect(approvalBadgeText({ always: { tool_names: ['echo', 'get-sum'] }, never: { tool_names: ['echo'] } })).toBe('Asks for your approval before running echo, get-sum');
    expect(approvalBadgeText({ never: { tool_names: ['echo'] } })).toBe('Asks for your approval before any of its tools runs, except echo');
    expect(approvalBadgeText({ always: { tool_names: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] } })).toBe('Asks for your approval before running a, b, c, d, e and 2 more');
  });
});
