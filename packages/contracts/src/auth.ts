import { z } from 'zod';
import { UserIdSchema } from './ids.js';

/** Paths of the gateway's sign-in routes (served on the UI's origin through the web server). */
export const AUTH_PATHS = {
  login: '/auth/login',
  callback: '/auth/callback',
  logout: '/auth/logout',
  logoutAll: '/auth/logout-all',
  config: '/auth/config',
} as const;

/** Header a cookie-authenticated browser request that changes state must carry (the value of `GET /v1/me`'s csrf_token). */
export const CSRF_HEADER = 'X-CSRF-Token';

/** How the gateway signs people in: through an OpenID Connect provider, or as the one local user (loopback default). */
export const AuthModeSchema = z.enum(['oidc', 'local']);
export type AuthMode = z.infer<typeof AuthModeSchema>;

/** `GET /auth/config` (public): whether the UI shows a "Sign in" button (oidc) or goes straight to /auth/login (local). */
export const AuthConfigResponseSchema = z.object({ mode: AuthModeSchema }).strict();
export type AuthConfigResponse = z.infer<typeof AuthConfigResponseSchema>;

/** How the caller of a request proved who it is. */
export const AuthMethodSchema = z.enum(['oidc', 'local', 'user_key', 'service_key']);
export type AuthMethod = z.infer<typeof AuthMethodSchema>;

/** `GET /v1/me`: who the caller is; `csrf_token` only for a browser session (send it as X-CSRF-Token on POST/DELETE). */
export const MeResponseSchema = z
  .object({
    user_id: UserIdSchema,
    display_name: z.string(),
    auth_method: AuthMethodSchema,
    csrf_token: z.string().optional(),
  })
  .strict();
export type MeResponse = z.infer<typeof MeResponseSchema>;

/** A personal API key's public handle: 12 lowercase hex digits. */
export const ApiKeyIdSchema = z.string().regex(/^[0-9a-f]{12}$/, 'a key id is 12 lowercase hex digits');

/** One personal API key as listed (never the key itself). Times are ISO 8601. */
export const ApiKeyInfoSchema = z
  .object({
    id: ApiKeyIdSchema,
    name: z.string(),
    /** The key's first characters, to recognise it (e.g. `bmk_AbC1`). */
    prefix: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
  })
  .strict();
export type ApiKeyInfo = z.infer<typeof ApiKeyInfoSchema>;

/** `GET /v1/keys`: the caller's own personal API keys, oldest first. */
export const ApiKeyListResponseSchema = z.object({ data: z.array(ApiKeyInfoSchema) }).strict();
export type ApiKeyListResponse = z.infer<typeof ApiKeyListResponseSchema>;

/** `POST /v1/keys`: a new personal key for the caller's user. */
export const CreateApiKeyRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    /** Days until the key stops working; omitted: never. */
    expires_in_days: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequestSchema>;

/** `POST /v1/keys` → 201: the key itself appears only in this answer. */
export const CreateApiKeyResponseSchema = z
  .object({
    id: ApiKeyIdSchema,
    name: z.string(),
    key: z.string(),
    prefix: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
  })
  .strict();
export type CreateApiKeyResponse = z.infer<typeof CreateApiKeyResponseSchema>;
