import { policyRequiresApproval, type ApprovalPolicy, type CatalogTool } from '@bedrock-mcp/contracts';

/**
 * Why a call of `tool` needs a person's approval, or undefined when it needs none. The server's
 * policy (the admin's for a global server, the owner's for a user's own) is a floor the request's
 * `require_approval` can only add to: a call needs approval when either says so.
 */
export function approvalReason(tool: CatalogTool, requestPolicy: ApprovalPolicy | undefined): string | undefined {
  if (policyRequiresApproval(tool.requireApproval, tool.toolName)) return `server ${tool.serverId} requires approval for ${tool.toolName}`;
  if (policyRequiresApproval(requestPolicy, tool.toolName)) return `the request requires approval for ${tool.toolName}`;
  return undefined;
}
