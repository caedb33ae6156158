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
    }
  });
});
