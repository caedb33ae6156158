import {
  AddMcpServerRequestSchema,
  API_ROUTES,
  openApiPath,
  type ApiRouteDefinition,
  type ApiRouteName,
  ApiKeyListResponseSchema,
  AuthConfigResponseSchema,
  CreateApiKeyRequestSchema,
  CreateApiKeyResponseSchema,
  MeResponseSchema,
  ChatCompletionChunkSchema,
  ChatCompletionRequestSchema,
  ChatCompletionSchema,
  ConversationListSchema,
  ConversationSchema,
  ConversationSummarySchema,
  CreateConversationRequestSchema,
  ListMcpServersResponseSchema,
  ListModelsResponseSchema,
  ManagementErrorBodySchema,
  McpServerDetailListResponseSchema,
  McpServerToolsResponseSchema,
  OpenAiErrorBodySchema,
  OpenAiModelListSchema,
  RemoveHistoryRequestSchema,
  SeedResponseSchema,
  TurnAnswersRequestSchema,
  UpdateConversationRequestSchema,
  VoiceClientFrameSchema,
  VoiceServerFrameSchema,
  VoiceTicketRequestSchema,
  VoiceTicketResponseSchema,
  WsClientFrameSchema,
  WsServerFrameSchema,
} from '@bedrock-mcp/contracts';
import { z } from 'zod';
import { pathsOutsideRoutes } from './openapi-other-paths.js';
import { ROUTE_DOCS, type ErrorBodyName, type RouteDocs } from './openapi-route-docs.js';

type JsonObject = Record<string, unknown>;

/** Component name → schema, and whether the document describes its input (request) or output side. */
const COMPONENTS: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  ChatCompletionRequest: { schema: ChatCompletionRequestSchema, io: 'input' },
  ChatCompletion: { schema: ChatCompletionSchema, io: 'output' },
  ChatCompletionChunk: { schema: ChatCompletionChunkSchema, io: 'output' },
  TurnAnswersRequest: { schema: TurnAnswersRequestSchema, io: 'input' },
  OpenAiModelList: { schema: OpenAiModelListSchema, io: 'output' },
  ListModelsResponse: { schema: ListModelsResponseSchema, io: 'output' },
  ListMcpServersResponse: { schema: ListMcpServersResponseSchema, io: 'output' },
  McpServerDetailListResponse: { schema: McpServerDetailListResponseSchema, io: 'output' },
  AddMcpServerRequest: { schema: AddMcpServerRequestSchema, io: 'input' },
  McpServerToolsResponse: { schema: McpServerToolsResponseSchema, io: 'output' },
  RemoveHistoryRequest: { schema: RemoveHistoryRequestSchema, io: 'input' },
  ConversationList: { schema: ConversationListSchema, io: 'output' },
  Conversation: { schema: ConversationSchema, io: 'output' },
  ConversationSummary: { schema: ConversationSummarySchema, io: 'output' },
  CreateConversationRequest: { schema: CreateConversationRequestSchema, io: 'input' },
  UpdateConversationRequest: { schema: UpdateConversationRequestSchema, io: 'input' },
  SeedResponse: { schema: SeedResponseSchema, io: 'output' },
  OpenAiErrorBody: { schema: OpenAiErrorBodySchema, io: 'output' },
  ManagementErrorBody: { schema: ManagementErrorBodySchema, io: 'output' },
  WsClientFrame: { schema: WsClientFrameSchema, io: 'input' },
  WsServerFrame: { schema: WsServerFrameSchema, io: 'output' },
  VoiceTicketRequest: { schema: VoiceTicketRequestSchema, io: 'input' },
  VoiceTicketResponse: { schema: VoiceTicketResponseSchema, io: 'output' },
  VoiceClientFrame: { schema: VoiceClientFrameSchema, io: 'input' },
  VoiceServerFrame: { schema: VoiceServerFrameSchema, io: 'output' },
  AuthConfigResponse: { schema: AuthConfigResponseSchema, io: 'output' },
  MeResponse: { schema: MeResponseSchema, io: 'output' },
  ApiKeyListResponse: { schema: ApiKeyListResponseSchema, io: 'output' },
  CreateApiKeyRequest: { schema: CreateApiKeyRequestSchema, io: 'input' },
  CreateApiKeyResponse: { schema: CreateApiKeyResponseSchema, io: 'output' },
};

type ComponentName = keyof typeof COMPONENTS;
const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName) => ({ 'application/json': { schema: ref(name) } });
const errors = (body: ErrorBodyName, ...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: ERROR_TEXT[status] ?? 'error', content: json(body) }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'invalid request (names the field)',
  401: 'missing or invalid API key, or no live session',
  403: 'the key may not act for this user, the resource is not the user’s, or (csrf_failed) a session request without its X-CSRF-Token',
  404: 'not found',
  409: 'already exists (an ask: answered already, or expired; a conversation: a turn runs in it, or it is full)',
  413: 'body or attachment too large',
  429: 'rate limit reached (see retry-after)',
  502: 'the MCP server or model failed',
  503: 'a dependency is unavailable, or the gateway is draining',
  504: 'timed out',
};
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const USER_ID_PARAM = { $ref: '#/components/parameters/UserId' };

/** The component a table schema is documented as; every schema a route names must be one. */
const COMPONENT_OF = new Map<z.ZodType, ComponentName>(Object.entries(COMPONENTS).map(([name, { schema }]) => [schema, name as ComponentName]));
function componentOf(schema: z.ZodType, route: ApiRouteDefinition): ComponentName {
  const name = COMPONENT_OF.get(schema);
  if (!name) throw new Error(`${route.method} ${route.path}: its schema is not a component of the OpenAPI document`);
  return name;
}

/** A file route's body per media type: a component (JSON), text, or bytes. */
function fileContent(route: ApiRouteDefinition, docs: RouteDocs): JsonObject {
  if (!docs.files) throw new Error(`${route.method} ${route.path}: a file route must document its media types (files)`);
  return Object.fromEntries(
    Object.entries(docs.files).map(([mediaType, body]) => [
      mediaType,
      { schema: body === 'binary' ? { type: 'string', format: 'binary' } : body === 'text' ? { type: 'string' } : ref(body) },
    ]),
  );
}

/** The success answer's body: JSON, an event stream, both (chat completions), a file, or none. */
function successContent(route: ApiRouteDefinition, docs: RouteDocs): JsonObject | undefined {
  if (route.answer === 'file') return fileContent(route, docs);
  const content: JsonObject = {};
  if (route.answer === 'json' && route.response) Object.assign(content, json(componentOf(route.response, route)));
  if (route.events) content['text/event-stream'] = { schema: ref(componentOf(route.events, route)) };
  return Object.keys(content).length > 0 ? content : undefined;
}

function responses(route: ApiRouteDefinition, docs: RouteDocs): JsonObject {
  const content = successContent(route, docs);
  const success = { description: docs.success, ...(docs.successHeaders ? { headers: docs.successHeaders } : {}), ...(content ? { content } : {}) };
  const others = Object.fromEntries(
    Object.entries(docs.responses ?? {}).map(([status, { description, body }]) => [status, { description, ...(body ? { content: json(body) } : {}) }]),
  );
  return { [String(route.status ?? 200)]: success, ...others, ...(docs.errors ? errors(docs.errors.body, ...docs.errors.statuses) : {}) };
}

/** One operation of the document, from the route's table entry and its docs. */
function operation(route: ApiRouteDefinition, docs: RouteDocs): JsonObject {
  const described = { summary: route.summary, ...(docs.description ? { description: docs.description } : {}) };
  if (route.access === 'public') return { ...described, security: [], ...(docs.tags ? { tags: docs.tags } : {}), responses: responses(route, docs) };
  const pathParams = [...route.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map(([, name = '']) => {
    const description = docs.pathParams?.[name];
    if (description === undefined) throw new Error(`${route.method} ${route.path}: no description of its parameter ${name}`);
    return pathParam(name, description);
  });
  return {
    ...described,
    security: [{ bearer: [] }, { session: [] }],
    parameters: [USER_ID_PARAM, ...pathParams, ...(docs.parameters ?? [])],
    ...(route.request ? { requestBody: { required: docs.bodyRequired ?? true, content: json(componentOf(route.request, route)) } } : {}),
    responses: responses(route, docs),
  };
}

/** The paths of the document: every route of API_ROUTES, and the ops and WebSocket paths served outside them. */
function paths(): Record<string, Record<string, JsonObject>> {
  const documented: Record<string, Record<string, JsonObject>> = pathsOutsideRoutes();
  for (const [name, route] of Object.entries(API_ROUTES) as Array<[ApiRouteName, ApiRouteDefinition]>) {
    const path = openApiPath(route.path);
    documented[path] = { ...documented[path], [route.method.toLowerCase()]: operation(route, ROUTE_DOCS[name]) };
  }
  return documented;
}

function componentSchemas(): Record<string, JsonObject> {
  return Object.fromEntries(
    Object.entries(COMPONENTS).map(([name, { schema, io }]) => {
      const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonObject;
      return [name, jsonSchema];
    }),
  );
}

/** The gateway's OpenAPI 3.1 document, generated from the contracts' zod schemas. */
export function buildOpenApiDocument(version: string): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Bedrock MCP Platform gateway',
      version,
      description:
        'OpenAI-compatible chat with MCP tools, the seed’s management API, a chat WebSocket and a voice WebSocket. Browsers authenticate with the session cookie of ' +
        'a sign-in (/auth/login); integrations with a personal API key (POST /v1/keys); trusted back-ends with a service key (API_KEY) and X-User-ID.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: paths(),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A personal API key (acts only as its user) or a service key (API_KEY; acts for X-User-ID)' },
        session: { type: 'apiKey', in: 'cookie', name: 'bmcp_session', description: 'The browser session from /auth/login (`__Host-bmcp_session` on https); POST and DELETE also need X-CSRF-Token' },
      },
      parameters: {
        UserId: {
          name: 'X-User-ID',
          in: 'header',
          required: false,
          schema: { type: 'string' },
          description: 'The user a service key acts for; a per-user key may only name its own user.',
        },
      },
      schemas: componentSchemas(),
    },
  };
}
