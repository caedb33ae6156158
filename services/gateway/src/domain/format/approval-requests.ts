import type { OpenAiApprovalRequest, StreamEvent, TurnAsk } from '@bedrock-mcp/contracts';

type ApprovalRequestEvent = Extract<StreamEvent, { type: 'approval_request' }>;

/** One ask as the OpenAI dialect's `approval_requests` item (the Responses API's `mcp_approval_request` shape). */
function toOpenAiApprovalRequest(ask: TurnAsk, expiresAt: number): OpenAiApprovalRequest {
  const expires_at = Math.floor(expiresAt / 1000);
  if (ask.kind === 'approval') {
    return {
      type: 'mcp_approval_request',
      id: ask.id,
      server_label: ask.serverId,
      name: ask.toolName,
      arguments: JSON.stringify(ask.input ?? {}),
      reason: ask.reason,
      expires_at,
    };
  }
  return { type: 'mcp_elicitation_request', id: ask.id, server_label: ask.serverId, message: ask.message, requested_schema: ask.requestedSchema, expires_at };
}

export function toOpenAiApprovalRequests(event: ApprovalRequestEvent): OpenAiApprovalRequest[] {
  return event.asks.map((ask) => toOpenAiApprovalRequest(ask, event.expiresAt));
}

/** The seed dialect's tagged block for an approval_request: its asks as the platform names them (camelCase, like the seed's tool_use JSON). */
export function toSeedApprovalBlock(event: ApprovalRequestEvent): string {
  return `<approval_request>${JSON.stringify({ expiresAt: event.expiresAt, asks: event.asks })}</approval_request>`;
}
