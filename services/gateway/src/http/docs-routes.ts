import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { API_ROUTES } from '@bedrock-mcp/contracts';
import express, { Router } from 'express';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';
import { serve } from './serve-route.js';

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Bedrock MCP Platform API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

/** `/openapi.json` and `/docs` (Swagger UI served from the swagger-ui-dist package, no CDN). */
export function docsRoutes(version: string): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApiDocument(version));
  // The package's folder, without loading its 1.5 MB bundle into the gateway.
  const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  serve(router, API_ROUTES.openApiDocument, ({ res }) => {
    res.type('application/json').send(document);
  });
  serve(router, API_ROUTES.docs, ({ res }) => {
    res.type('html').send(DOCS_PAGE);
  });
  // Swagger UI's own files, not API routes.
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT_SCRIPT);
  });
  router.use('/docs', express.static(swaggerDir, { index: false, maxAge: '1h' }));
  return router;
}
