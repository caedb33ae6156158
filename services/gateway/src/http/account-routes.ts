import {
  API_ROUTES,
  ApiKeyIdSchema,
  type ApiKeyListResponse,
  type CreateApiKeyResponse,
  type MeResponse,
} from '@bedrock-mcp/contracts';
import { Router } from 'express';
import { GatewayError } from '../domain/gateway-error.js';
import type { UserApiKeyStore } from '../domain/user-api-key-store.js';
import { principalOf, type GatewayServices } from './gateway-services.js';
import { serve } from './serve-route.js';

const DAY_MS = 86_400_000;
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * `GET /v1/me` (who am I) and the caller's own personal API keys: `GET/POST /v1/keys`,
 * `DELETE /v1/keys/{id}`. Whatever proved the caller's identity, only that user's keys are reachable.
 */
export function accountRoutes(services: GatewayServices, userKeys: UserApiKeyStore): Router {
  const router = Router();

  serve(router, API_ROUTES.me, ({ res }) => {
    const principal = principalOf(res);
    const answer: MeResponse = {
      user_id: principal.userId,
      display_name: principal.displayName ?? principal.userId,
      auth_method: principal.method,
      ...(principal.session ? { csrf_token: principal.session.csrfToken } : {}),
    };
    res.set('cache-control', 'no-store').json(answer);
  });

  serve(router, API_ROUTES.listApiKeys, async ({ res }) => {
    const keys = await userKeys.list(principalOf(res).userId);
    const answer: ApiKeyListResponse = {
      data: keys.map((key) => ({
        id: key.keyId,
        name: key.label ?? '',
        prefix: key.prefix ?? 'bmk_',
        created_at: new Date(key.createdAt).toISOString(),
        expires_at: iso(key.expiresAt),
        last_used_at: iso(key.lastUsedAt),
      })),
    };
    res.set('cache-control', 'no-store').json(answer);
  });

  serve(router, API_ROUTES.createApiKey, async (call) => {
    const { res } = call;
    const { userId } = principalOf(res);
    const body = call.body();
    const { apiKey, keyId, record } = await userKeys.create(userId, {
      label: body.name,
      expiresInMs: body.expires_in_days === undefined ? undefined : body.expires_in_days * DAY_MS,
    });
    services.logger.info({ userId, keyId }, 'personal API key created');
    const answer: CreateApiKeyResponse = {
      id: keyId,
      name: body.name,
      key: apiKey,
      prefix: record.prefix ?? apiKey.slice(0, 8),
      created_at: new Date(record.createdAt).toISOString(),
      expires_at: iso(record.expiresAt),
    };
    res.status(201).set('cache-control', 'no-store').json(answer);
  });

  serve(router, API_ROUTES.revokeApiKey, async ({ res, params }) => {
    const { userId } = principalOf(res);
    const keyId = ApiKeyIdSchema.safeParse(params().key_id);
    // Someone else's key answers exactly as a key that does not exist.
    if (!keyId.success || (await userKeys.revoke(keyId.data, userId)) === 0) throw new GatewayError('not_found', 'No such API key.');
    services.logger.info({ userId, keyId: keyId.data }, 'personal API key revoked');
    res.status(204).end();
  });

  return router;
}
