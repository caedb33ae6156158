import { optionalString } from './setting-fields.js';

/** Where users' MCP server configurations are stored and how their secrets are encrypted (the gateway and the mcp-pool read them). */
export const CONFIG_STORE_SETTINGS = {
  /**
   * Passphrase (at least 16 characters, e.g. `openssl rand -base64 32`) from which the key that
   * encrypts secrets at rest (MCP env values, tokens, header values; AES-256-GCM) is derived with
   * scrypt; it also seals a request's own MCP server headers from the gateway to the mcp-pool, so
   * both must have the same one. Required in production; elsewhere unset means a public development
   * key and a warning. Changing it makes stored secrets unreadable.
   */
  SECRETS_KEY: optionalString,
  /** DynamoDB table for users' MCP server configs; unset: Redis. */
  ddb_table: optionalString,
};
