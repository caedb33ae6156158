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

/** An approval id: one pending decision of one turn. */
export const ApprovalIdSchema = z.string().regex(/^apr_[A-Za-z0-9_-]{8,64}$/, 'not an approval id');
export type ApprovalId = z.infer<typeof ApprovalIdSchema>;

/**
 * A tool call waiting for a person's decision, as carried by the `approval_request` stream event
 * and the OpenAI dialect's extensions.
 */
export const ApprovalRequestSchema = z
  .object({
    approvalId: ApprovalIdSchema,
    toolUseId: z.string().min(1),
    /** The model-facing (Bedrock-safe) tool name. */
    name: z.string(),
    serverId: z.string(),
    /** The tool's own name on its MCP server. */
    toolName: z.string(),
    /** The arguments the model asked to call the tool with. */
    input: z.unknown(),
    /** Why approval is asked: which policy required it. */
    reason: z.string(),
    /** epoch ms after which the approval is denied as expired */
    expiresAt: z.number().int().positive(),
  })
  .strict();
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

export const ApprovalDecisionSchema = z
  .object({
    approval_id: ApprovalIdSchema,
    decision: z.enum(['approve', 'deny']),
    /** Approve only: run the tool with these arguments instead of the model's. */
    arguments: z.record(z.string(), z.unknown()).optional(),
    /** Passed to the model with the decision (a denial's reason, a hint). */
    message: z.string().max(4000).optional(),
  })
  .strict()
  .refine((decision) => decision.decision === 'approve' || decision.arguments === undefined, {
    path: ['arguments'],
    message: 'arguments may only be given with decision "approve"',
  });
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

/** `POST /v1/turns/{turn_id}/approvals` */
export const ApprovalsRequestSchema = z
  .object({
    decisions: z
      .array(ApprovalDecisionSchema)
      .min(1, 'decisions must contain at least one decision')
      .max(100)
      .refine((decisions) => new Set(decisions.map((decision) => decision.approval_id)).size === decisions.length, {
        message: 'each approval_id may appear only once',
      }),
    /** Answer with the rest of the turn as an SSE stream (OpenAI chunks) instead of one completion. */
    stream: z.boolean().default(false),
  })
  .strict();
export type ApprovalsRequest = z.infer<typeof ApprovalsRequestSchema>;
export type ApprovalsRequestInput = z.input<typeof ApprovalsRequestSchema>;

/** How a decision was recorded; one per decision, in the request's order. */
export const ApprovalOutcomeSchema = z
  .object({
    approval_id: ApprovalIdSchema,
    status: z.enum(['approved', 'denied']),
  })
  .strict();
export type ApprovalOutcome = z.infer<typeof ApprovalOutcomeSchema>;
