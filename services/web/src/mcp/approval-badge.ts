import type { ApprovalPolicy } from '@bedrock-mcp/contracts';

function names(list: readonly string[]): string {
  return list.length > 5 ? `${list.slice(0, 5).join(', ')} and ${list.length - 5} more` : list.join(', ');
}

/**
 * In words, which tools of a server wait for the person's approval (tool-approval.ts's rules:
 * an `always` list names the only tools that ask; a `never` list alone, the only ones that do
 * not); undefined when none does.
 */
export function approvalBadgeText(policy: ApprovalPolicy | undefined): string | undefined {
  if (policy === undefined || policy === 'never') return undefined;
  if (policy === 'always') return 'Asks for your approval before any of its tools runs';
  if (policy.always) {
    const asking = policy.always.tool_names;
    return asking.length > 0 ? `Asks for your approval before running ${names(asking)}` : undefined;
  }
  if (policy.never) {
    const exempt = policy.never.tool_names;
    return exempt.length > 0 ? `Asks for your approval before any of its tools runs, except ${names(exempt)}` : 'Asks for your approval before any of its tools runs';
  }
  return undefined;
}
