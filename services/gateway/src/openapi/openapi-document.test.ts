import { API_ROUTES, openApiPath, type ApiRouteDefinition } from '@bedrock-mcp/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument } from './openapi-document.js';

interface Operation {
  security: unknown[];
  parameters?: Array<{ name?: string; in?: string }>;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }>;
}
const document = buildOpenApiDocument('test') as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

/** The component a `$ref` points at, as JSON Schema of the given side. */
const component = (ref: string | undefined) => document.components.schemas[ref?.replace('#/components/schemas/', '') ?? ''];
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
};

describe('the OpenAPI document', () => {
  it('describes every route of API_ROUTES with the schemas of its table entry', () => {
    for (const [name, route] of Object.entries(API_ROUTES) as Array<[string, ApiRouteDefinition]>) {
      const operation = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      expect(operation, name).toBeDefined();
      const success = operation!.responses[String(route.status ?? 200)];
      expect(success, name).toBeDefined();
      if (route.request) expect(component(operation!.requestBody?.content['application/json']?.schema.$ref), name).toEqual(jsonSchema(route.request, 'input'));
      else expect(operation!.requestBody, name).toBeUndefined();
      if (route.response) expect(component(success!.content?.['application/json']?.schema.$ref), name).toEqual(jsonSchema(route.response, 'output'));
      if (route.events) expect(component(success!.content?.['text/event-stream']?.schema.$ref), name).toEqual(jsonSchema(route.events, 'output'));
      expect(operation!.security, name).toEqual(route.access === 'public' ? [] : [{ bearer: [] }, { session: [] }]);
      const pathParams = (operation!.parameters ?? []).filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
      expect(pathParams, name).toEqual(route.params ? Object.keys((route.params as z.ZodObject).shape) : []);
      const queryParams = (operation!.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
      expect(queryParams.sort(), name).toEqual(route.query ? Object.keys((route.query as z.ZodObject).shape).sort() : []);
      if (route.answer === 'file') expect(Object.keys(success!.content ?? {}), name).not.toHaveLength(0);
    }
  });

  it('documents a conversation export as the Conversation component (JSON) or Markdown text, and a blob as bytes', () => {
    const exported = document.paths['/v1/conversations/{conversation_id}/export']?.get?.responses['200']?.content;
    expect(exported?.['application/json']?.schema.$ref).toBe('#/components/schemas/Conversation');
    expect(exported?.['text/markdown']?.schema).toEqual({ type: 'string' });
    expect(document.paths['/v1/conversations/{conversation_id}/blobs/{blob_id}']?.get?.responses['200']?.content?.['*/*']?.schema).toEqual({ type: 'string', format: 'binary' });
  });
});
