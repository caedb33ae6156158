import { z } from 'zod';

/** Where and as whom the UI talks to the gateway; kept in localStorage. */
export interface ConnectionSettings {
  gatewayUrl: string;
  apiKey: string;
  userId: string;
}

const STORAGE_KEY = 'bmcp.connection.v1';
const StoredSchema = z.object({ gatewayUrl: z.string(), apiKey: z.string(), userId: z.string() });

export function loadConnectionSettings(storage: Storage = localStorage): ConnectionSettings | undefined {
  try {
    const parsed = StoredSchema.safeParse(JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null'));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function saveConnectionSettings(settings: ConnectionSettings, storage: Storage = localStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(settings));
}

export function clearConnectionSettings(storage: Storage = localStorage): void {
  storage.removeItem(STORAGE_KEY);
}

export type ConnectionField = keyof ConnectionSettings;

const USER_ID = /^[A-Za-z0-9._@+-]+$/;

/** Field → a sentence saying what is wrong; empty when the settings can be used. */
export function validateConnectionSettings(settings: ConnectionSettings): Partial<Record<ConnectionField, string>> {
  const errors: Partial<Record<ConnectionField, string>> = {};
  try {
    const url = new URL(settings.gatewayUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') errors.gatewayUrl = 'The gateway URL must start with http:// or https://.';
  } catch {
    errors.gatewayUrl = 'Enter the gateway URL, for example http://localhost:7002.';
  }
  if (!settings.apiKey.trim()) errors.apiKey = 'Enter the API key the operator set as API_KEY on the gateway.';
  if (settings.userId && (!USER_ID.test(settings.userId) || settings.userId.length > 128)) {
    errors.userId = 'A user id may contain only letters, digits and . _ @ + - (at most 128).';
  }
  return errors;
}
