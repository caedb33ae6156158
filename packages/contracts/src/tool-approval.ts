import { z } from 'zod';

/**
 * Which tool calls a person must approve before they run. The shape of OpenAI's Responses API
 * `require_approval`:
 * - `"always"`: every tool of the server (or of the request) needs approval;
 * - `"never"`: none does (the default when no policy is set);
 * - `{ always?: { tool_names }, never?: { tool_names } }`: a tool named in `always` needs approval,
 *   one named in `never` does not (`always` wins when a name is in both). A tool named in neither
 *   needs approval only when the object has no `always` list: naming only the tools that never
 *   need approval means "every other tool does", as in the Responses API; naming the tools that
 *   always need it means "only these".
 *
 * Tool names are the tool's own name on its MCP server (not the model-facing catalog name).
 */
const ToolNameListSchema = z.object({ tool_names: z.array(z.string().min(1).max(256)).max(500) }).strict();

export const ApprovalPolicySchema = z.union([
  z.enum(['always', 'never']),
  z.object({ always: ToolNameListSchema.optional(), never: ToolNameListSchema.optional() }).strict(),
]);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

/** Whether one policy asks for approval of the tool named `toolName` (its own name on its server). */
export function policyRequiresApproval(policy: ApprovalPolicy | undefined, toolName: string): boolean {
  if (policy === undefined || policy === 'never') return false;
  if (policy === 'always') return true;
  if (policy.always?.tool_names.includes(toolName)) return true;
  if (policy.never?.tool_names.includes(toolName)) return false;
  return policy.always === undefined && policy.never !== undefined;
}

/**
 * Whether a call needs approval: it does when ANY applicable policy says so (the admin's policy on
 * a global server, the owner's on their own server, the request's). The admin's and the owner's
 * policies are floors a request cannot lower: a request's `"never"` does not exempt a tool they
 * require approval for.
 */
export function requiresApproval(policies: readonly (ApprovalPolicy | undefined)[], toolName: string): boolean {
  return policies.some((policy) => policyRequiresApproval(policy, toolName));
}
