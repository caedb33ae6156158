/** One Server-Sent Event as the gateway writes it. */
export interface SseEvent {
  id: string | undefined;
  data: string;
}

/** Splits an SSE body into events (comments dropped). */
function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      return {
        id: lines.find((line) => line.startsWith('id: '))?.slice(4),
        data: lines
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n'),
      };
    });
}

/** The JSON payloads of an SSE body, without the final `[DONE]`. */
export function ssePayloads<T = Record<string, unknown>>(text: string): T[] {
  return parseSse(text)
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as T);
}

/** Reads an SSE response incrementally, calling `onEvent` per event; resolves with all of them. */
export async function readSse(response: Response, onEvent?: (event: SseEvent) => void | Promise<void>): Promise<SseEvent[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end + 2);
      buffered = buffered.slice(end + 2);
      for (const event of parseSse(block)) {
        events.push(event);
        await onEvent?.(event);
      }
    }
  }
  return events;
}
