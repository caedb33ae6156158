import type { StreamEvent, ToolResultPart } from '@bedrock-mcp/contracts';

/** A tool result part as the seed sent it to clients (Bedrock's toolResult content). */
type SeedToolContent = { text: string } | { image: { format: string; source: { base64: string } } };

interface SeedToolCall {
  toolUseId: string;
  name: string;
  input: unknown;
}

interface SeedToolResult {
  toolUseId: string;
  content: SeedToolContent[];
  status?: 'error';
}

/** One tool use of a finished round: the call and, unless the turn ended first, its result. */
export interface ToolUse {
  call: SeedToolCall;
  result: SeedToolResult | undefined;
}

/** Tool result parts in the seed's shape; images keep their bytes (computer-use screenshots reach the client only here). */
function toSeedToolContent(parts: readonly ToolResultPart[]): SeedToolContent[] {
  return parts.map((part): SeedToolContent => {
    switch (part.type) {
      case 'text':
        return { text: part.text };
      case 'image':
        return { image: { format: part.mimeType.split('/')[1] ?? 'png', source: { base64: part.data } } };
      case 'resource':
        if (part.text !== undefined) return { text: part.text };
        return { text: `[resource ${part.uri}${part.mimeType ? ` (${part.mimeType})` : ''}]` };
    }
  });
}

/** The seed's stream form of a round: a JSON string of [call, result, call, result, …]. */
export function toSeedToolUseJson(uses: readonly ToolUse[]): string {
  return JSON.stringify(uses.flatMap((use) => (use.result ? [use.call, use.result] : [use.call])));
}

/**
 * Collects a model round's tool calls and results from the event stream and hands back the round
 * once the model has finished it (`round_end`) and every call has its result. Whatever is left
 * when the next round starts or the turn ends comes out of `flush()`.
 */
export class ToolRoundCollector {
  private uses: ToolUse[] = [];
  private roundEnded = false;

  /** The finished round this event completes, if it completes one. */
  accept(event: StreamEvent): ToolUse[] | undefined {
    switch (event.type) {
      case 'round_start':
        this.roundEnded = false;
        // A round re-run by a worker that took over: the lost run's unfinished tool uses are redone.
        if (event.resumed) this.uses = [];
        return undefined;
      case 'tool_call':
        this.useFor(event.toolUseId, event.name).call.input = event.input;
        break;
      case 'tool_result': {
        const use = this.useFor(event.toolUseId, event.name);
        use.result = {
          toolUseId: event.toolUseId,
          content: toSeedToolContent(event.content),
          ...(event.isError ? { status: 'error' as const } : {}),
        };
        break;
      }
      case 'round_end':
        this.roundEnded = true;
        break;
      default:
        return undefined;
    }
    const complete = this.roundEnded && this.uses.length > 0 && this.uses.every((use) => use.result !== undefined);
    return complete ? this.take() : undefined;
  }

  /** Tool uses not yet handed out (a round cut short by a stop, an error or a resume mid-round). */
  flush(): ToolUse[] | undefined {
    return this.uses.length > 0 ? this.take() : undefined;
  }

  private take(): ToolUse[] {
    const uses = this.uses;
    this.uses = [];
    return uses;
  }

  private useFor(toolUseId: string, name: string): ToolUse {
    let use = this.uses.find((candidate) => candidate.call.toolUseId === toolUseId);
    if (!use) {
      use = { call: { toolUseId, name, input: null }, result: undefined };
      this.uses.push(use);
    }
    return use;
  }
}
