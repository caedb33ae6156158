import { DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE } from '@bedrock-mcp/contracts';
import { z } from 'zod';

/** How the next message is sent; kept in localStorage. */
const ChatOptionsSchema = z.object({
  model: z.string().default(''),
  systemPrompt: z.string().default(''),
  maxTokens: z.number().int().min(1).max(200_000).default(DEFAULT_MAX_TOKENS),
  temperature: z.number().min(0).max(1).default(DEFAULT_TEMPERATURE),
  enableThinking: z.boolean().default(false),
  /** Claude's thinking budget, in tokens (Bedrock's minimum is 1024). */
  budgetTokens: z.number().int().min(1024).max(128_000).default(1024),
  keepSession: z.boolean().default(false),
  /** The voice of spoken answers (voice mode); the gateway offers matthew, tiffany and amy by default (VOICE_IDS). */
  voiceId: z.string().min(1).max(50).default('matthew'),
  /** The user's own choice per server id; servers not listed follow their default. */
  serverChoices: z.record(z.string(), z.boolean()).default({}),
});
export type ChatOptions = z.infer<typeof ChatOptionsSchema>;

/** The voices every gateway offers by default (VOICE_IDS), with what they sound like. */
export const VOICE_CHOICES: ReadonlyArray<{ id: string; label: string }> = [
  { id: 'matthew', label: 'Matthew — American English, masculine' },
  { id: 'tiffany', label: 'Tiffany — American English, feminine' },
  { id: 'amy', label: 'Amy — British English, feminine' },
];

const STORAGE_KEY = 'bmcp.chat-options.v1';

export const defaultChatOptions: ChatOptions = ChatOptionsSchema.parse({});

export function loadChatOptions(storage: Storage = localStorage): ChatOptions {
  try {
    const parsed = ChatOptionsSchema.safeParse(JSON.parse(storage.getItem(STORAGE_KEY) ?? '{}'));
    return parsed.success ? parsed.data : defaultChatOptions;
  } catch {
    return defaultChatOptions;
  }
}

export function saveChatOptions(options: ChatOptions, storage: Storage = localStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(options));
}
