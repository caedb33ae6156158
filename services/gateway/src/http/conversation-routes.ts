import { API_ROUTES } from '@bedrock-mcp/contracts';
import { Router } from 'express';
import { conversationMarkdown } from '../domain/format/conversation-markdown.js';
import { principalOf, type GatewayServices } from './gateway-services.js';
import { serve } from './serve-route.js';

/** Media types a browser may show inline from a conversation's files; anything else downloads. */
const INLINE_MEDIA_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** `/v1/conversations`: the caller's conversations (ConversationService; another user's are 404). */
export function conversationRoutes(services: GatewayServices): Router {
  const router = Router();
  const { conversations } = services;

  serve(router, API_ROUTES.listConversations, async ({ res, query }) => {
    res.json(await conversations.list(principalOf(res).userId, query()));
  });

  serve(router, API_ROUTES.createConversation, async ({ res, body }) => {
    res.status(201).json(await conversations.create(principalOf(res).userId, body()));
  });

  serve(router, API_ROUTES.getConversation, async ({ res, params, query }) => {
    res.json(await conversations.get(principalOf(res).userId, params().conversation_id, query()));
  });

  serve(router, API_ROUTES.updateConversation, async ({ res, params, body }) => {
    const conversationId = params().conversation_id;
    res.json(await conversations.update(principalOf(res).userId, conversationId, body()));
  });

  serve(router, API_ROUTES.deleteConversation, async ({ res, params }) => {
    await conversations.delete(principalOf(res).userId, params().conversation_id);
    res.status(204).end();
  });

  serve(router, API_ROUTES.exportConversation, async ({ res, params, query }) => {
    const conversationId = params().conversation_id;
    const { format } = query();
    const conversation = await conversations.whole(principalOf(res).userId, conversationId);
    const name = `${downloadName(conversation.title, conversationId)}.${format === 'json' ? 'json' : 'md'}`;
    res.set({ 'Content-Disposition': `attachment; filename="${name}"`, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, no-store' });
    if (format === 'json') res.type('application/json').send(JSON.stringify(conversation, null, 2));
    else res.type('text/markdown; charset=utf-8').send(conversationMarkdown(conversation));
  });

  serve(router, API_ROUTES.conversationBlob, async ({ res, params }) => {
    const { conversation_id: conversationId, blob_id: blobId } = params();
    const blob = await conversations.blob(principalOf(res).userId, conversationId, blobId);
    res.set({
      'Content-Type': blob.mediaType,
      'X-Content-Type-Options': 'nosniff',
      // Bytes a model or an MCP server produced: opened directly, they run no script and reach nothing.
      'Content-Security-Policy': "default-src 'none'; sandbox",
      // The id is the bytes' hash: they never change; only their owner may read them.
      'Cache-Control': 'private, max-age=31536000, immutable',
      ...(INLINE_MEDIA_TYPES.has(blob.mediaType.toLowerCase()) ? {} : { 'Content-Disposition': `attachment; filename="${blobId.slice(0, 16)}"` }),
    });
    res.send(blob.data);
  });

  return router;
}

/** A filename from the title that cannot break the header or a file system: ASCII letters, digits, `-` and `_`. */
function downloadName(title: string, conversationId: string): string {
  const slug = title
    .normalize('NFKD')
    // Accents go (é → e); whatever else is not ASCII-safe becomes a dash.
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || conversationId.slice(0, 80);
}
