import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the API reference page lives locally; the document itself is a normal API route. */
export const DOCS_PATH = '/docs';
export const OPENAPI_PATH = '/v1.0/openapi.json';

/** Swagger UI's files served from node_modules (no CDN); nothing else under the package is reachable. */
const SWAGGER_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/**
 * Configuration in a file of its own (no inline script): the document comes from this
 * API, the validator badge (which would call validator.swagger.io) is off, and
 * ?url=/?configUrl= in the page address cannot point the page elsewhere.
 */
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '${OPENAPI_PATH}',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>SIP registry API reference</title>
  <link rel="icon" type="image/png" href="${DOCS_PATH}/assets/favicon-32x32.png">
  <link rel="stylesheet" href="${DOCS_PATH}/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/assets/init.js"></script>
</body>
</html>
`;

/** The page may only talk to this server: a remote URL in the page or the document is refused by the browser. */
const CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The local API reference for createGateway({ extraRoutes }): GET /docs is Swagger UI
 * pointed at /v1.0/openapi.json, its files come from node_modules/swagger-ui-dist.
 * Returns true when it answered the request.
 */
export function createDocsRoutes(): ExtraRoutes {
  const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Buffer>();
  const asset = (name: string) => {
    let content = cache.get(name);
    if (!content) {
      content = readFileSync(join(distDir, name));
      cache.set(name, content);
    }
    return content;
  };

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path !== DOCS_PATH && !path.startsWith(`${DOCS_PATH}/`)) return false;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      send(res, method, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (path === DOCS_PATH || path === `${DOCS_PATH}/`) {
      send(res, method, 200, 'text/html; charset=utf-8', HTML, { 'content-security-policy': CSP });
      return true;
    }
    const name = path.slice(`${DOCS_PATH}/assets/`.length);
    if (path.startsWith(`${DOCS_PATH}/assets/`) && name === 'init.js') {
      send(res, method, 200, 'text/javascript; charset=utf-8', INIT_JS);
    } else if (path.startsWith(`${DOCS_PATH}/assets/`) && Object.hasOwn(SWAGGER_FILES, name)) {
      send(res, method, 200, SWAGGER_FILES[name]!, asset(name), { 'cache-control': 'public, max-age=3600' });
    } else {
      send(res, method, 404, 'text/plain; charset=utf-8', 'Not found\n');
    }
    return true;
  };
}

function send(
  res: ServerResponse,
  method: string,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(bytes.length),
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(method === 'HEAD' ? undefined : bytes);
}
