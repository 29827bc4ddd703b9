import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocsRoutes } from '../local/docs.js';
import { createGateway } from '../local/gateway.js';

/** npm start's API reference page (local/docs.ts): Swagger UI over the generated document. */
describe('local API reference at /docs', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createGateway({ extraRoutes: createDocsRoutes() });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  it('serves a page that loads Swagger UI from this server only', async () => {
    const response = await fetch(`${base}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).toContain('<script src="/docs/assets/swagger-ui-bundle.js"></script>');
    expect(html).toContain('<script src="/docs/assets/init.js"></script>');
    expect(html).toContain('href="/docs/assets/swagger-ui.css"');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>[^<]/);
  });

  it('points Swagger UI at /v1.0/openapi.json with the validator badge off', async () => {
    const response = await fetch(`${base}/docs/assets/init.js`);
    expect(response.status).toBe(200);
    const script = await response.text();
    expect(script).toContain("url: '/v1.0/openapi.json'");
    expect(script).toContain('validatorUrl: null');
    expect(script).toContain('queryConfigEnabled: false');
    expect(script).not.toMatch(/https?:\/\//);
  });

  it('serves Swagger UI assets from node_modules and nothing else', async () => {
    for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const response = await fetch(`${base}/docs/assets/${name}`);
      expect(response.status, name).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(distDir, name))), name).toBe(true);
    }
    expect((await fetch(`${base}/docs/assets/swagger-ui-bundle.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const path of ['/docs/assets/package.json', '/docs/assets/%2e%2e/package.json', '/docs/nothing']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(404);
      await response.body?.cancel();
    }
    const post = await fetch(`${base}/docs`, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.body?.cancel();
  });

  it('leaves the API itself to the gateway', async () => {
    const document = await fetch(`${base}/v1.0/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const unknown = await fetch(`${base}/documentation`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { reason: string } }).error.reason).toBe('ROUTE_NOT_FOUND');
  });
});

