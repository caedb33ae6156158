import { VOICE_INPUT_SAMPLE_RATE, VOICE_OUTPUT_SAMPLE_RATE } from '@bedrock-mcp/contracts';
import { z } from 'zod';

// Nova Sonic's event protocol on InvokeModelWithBidirectionalStream: every input and output event is
// `{"event":{"<name>":{…}}}`, carried as the `bytes` of a `chunk`. Shapes follow the Nova Sonic user guide
// ("Handling input/output events with the bidirectional API") and AWS's amazon-nova-samples clients.

export type SonicInputEvent = { event: Record<string, Record<string, unknown>> };

export interface SonicInferenceConfiguration {
  maxTokens: number;
  topP: number;
  temperature: number;
}

/** A tool as Sonic's promptStart lists it; the input schema travels as a JSON string. */
export interface SonicToolSpec {
  toolSpec: { name: string; description: string; inputSchema: { json: string } };
}

export type SonicHistoryRole = 'USER' | 'ASSISTANT';

const event = (name: string, body: Record<string, unknown>): SonicInputEvent => ({ event: { [name]: body } });

export function sessionStartEvent(inference: SonicInferenceConfiguration): SonicInputEvent {
  return event('sessionStart', { inferenceConfiguration: inference });
}

export function promptStartEvent(promptName: string, voiceId: string, tools: readonly SonicToolSpec[]): SonicInputEvent {
  return event('promptStart', {
    promptName,
    textOutputConfiguration: { mediaType: 'text/plain' },
    audioOutputConfiguration: {
      mediaType: 'audio/lpcm',
      sampleRateHertz: VOICE_OUTPUT_SAMPLE_RATE,
      sampleSizeBits: 16,
      channelCount: 1,
      voiceId,
      encoding: 'base64',
      audioType: 'SPEECH',
    },
    toolUseOutputConfiguration: { mediaType: 'application/json' },
    toolConfiguration: { tools },
  });
}

/** A whole TEXT content: the system prompt (SYSTEM) or a replayed turn (USER/ASSISTANT). */
export function textContentEvents(promptName: string, contentName: string, role: 'SYSTEM' | SonicHistoryRole, text: string): SonicInputEvent[] {
  return [
    event('contentStart', {
      promptName,
      contentName,
      type: 'TEXT',
      interactive: false,
      role,
      textInputConfiguration: { mediaType: 'text/plain' },
    }),
    event('textInput', { promptName, contentName, content: text }),
    contentEndEvent(promptName, contentName),
  ];
}

/** Opens the USER audio content all microphone frames share. */
export function audioContentStartEvent(promptName: string, contentName: string): SonicInputEvent {
  return event('contentStart', {
    promptName,
    contentName,
    type: 'AUDIO',
    interactive: true,
    role: 'USER',
    audioInputConfiguration: {
      mediaType: 'audio/lpcm',
      sampleRateHertz: VOICE_INPUT_SAMPLE_RATE,
      sampleSizeBits: 16,
      channelCount: 1,
      audioType: 'SPEECH',
      encoding: 'base64',
    },
  });
}

export function audioInputEvent(promptName: string, contentName: string, pcm: Buffer): SonicInputEvent {
  return event('audioInput', { promptName, contentName, content: pcm.toString('base64') });
}

export function toolResultEvents(promptName: string, contentName: string, toolUseId: string, content: string): SonicInputEvent[] {
  return [
    event('contentStart', {
      promptName,
      contentName,
      interactive: false,
      type: 'TOOL',
      role: 'TOOL',
      toolResultInputConfiguration: { toolUseId, type: 'TEXT', textInputConfiguration: { mediaType: 'text/plain' } },
    }),
    event('toolResult', { promptName, contentName, content }),
    contentEndEvent(promptName, contentName),
  ];
}

export function contentEndEvent(promptName: string, contentName: string): SonicInputEvent {
  return event('contentEnd', { promptName, contentName });
}

export function promptEndEvent(promptName: string): SonicInputEvent {
  return event('promptEnd', { promptName });
}

export function sessionEndEvent(): SonicInputEvent {
  return event('sessionEnd', {});
}

// ---------------------------------------------------------------- output

/** What Sonic puts in a textOutput when the user barged in. */
export const SONIC_INTERRUPTED_MARKER = '{ "interrupted" : true }';

export type SonicGenerationStage = 'SPECULATIVE' | 'FINAL';

/** Output events the session acts on; the rest (completionStart, usageEvent, …) become `other`. */
export type SonicOutputEvent =
  | { kind: 'contentStart'; contentId: string; type: string; role: string; stage: SonicGenerationStage | undefined }
  | { kind: 'textOutput'; contentId: string; role?: string | undefined; content: string }
  | { kind: 'audioOutput'; contentId: string; content: string }
  | { kind: 'toolUse'; contentId: string; toolUseId: string; toolName: string; content: string }
  | { kind: 'contentEnd'; contentId: string; type?: string | undefined; stopReason?: string | undefined }
  | { kind: 'other'; name: string };

// Lenient (third-party payloads): only the fields the session reads are required.
const ContentStartSchema = z.object({ contentId: z.string(), type: z.string(), role: z.string(), additionalModelFields: z.string().optional() });
const TextOutputSchema = z.object({ contentId: z.string(), role: z.string().optional(), content: z.string() });
const AudioOutputSchema = z.object({ contentId: z.string(), content: z.string() });
const ToolUseSchema = z.object({ contentId: z.string(), toolUseId: z.string().min(1), toolName: z.string().min(1), content: z.string() });
const ContentEndSchema = z.object({ contentId: z.string(), type: z.string().optional(), stopReason: z.string().optional() });
const OutputDocumentSchema = z.object({ event: z.record(z.string(), z.unknown()) });

export class SonicOutputError extends Error {
  override readonly name = 'SonicOutputError';
}

/** Parses one output chunk's bytes; throws SonicOutputError when the model sent something unreadable. */
export function parseSonicOutput(bytes: Uint8Array): SonicOutputEvent {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new SonicOutputError('output chunk is not JSON');
  }
  const parsed = OutputDocumentSchema.safeParse(document);
  const name = parsed.success ? Object.keys(parsed.data.event)[0] : undefined;
  if (!parsed.success || name === undefined) throw new SonicOutputError('output chunk is not {"event":{…}}');
  const body = parsed.data.event[name];
  const read = <T extends z.ZodType>(schema: T): z.output<T> => {
    const result = schema.safeParse(body);
    if (!result.success) throw new SonicOutputError(`malformed ${name}: ${result.error.issues[0]?.message ?? 'invalid'}`);
    return result.data;
  };
  switch (name) {
    case 'contentStart': {
      const start = read(ContentStartSchema);
      return { kind: 'contentStart', contentId: start.contentId, type: start.type, role: start.role, stage: stageOf(start.additionalModelFields) };
    }
    case 'textOutput':
      return { kind: 'textOutput', ...read(TextOutputSchema) };
    case 'audioOutput':
      return { kind: 'audioOutput', ...read(AudioOutputSchema) };
    case 'toolUse':
      return { kind: 'toolUse', ...read(ToolUseSchema) };
    case 'contentEnd':
      return { kind: 'contentEnd', ...read(ContentEndSchema) };
    default:
      return { kind: 'other', name };
  }
}

/** `additionalModelFields` is a JSON string such as `{"generationStage":"SPECULATIVE"}`. */
function stageOf(additionalModelFields: string | undefined): SonicGenerationStage | undefined {
  if (additionalModelFields === undefined) return undefined;
  try {
    const stage = (JSON.parse(additionalModelFields) as { generationStage?: unknown }).generationStage;
    return stage === 'SPECULATIVE' || stage === 'FINAL' ? stage : undefined;
  } catch {
    return undefined;
  }
}
