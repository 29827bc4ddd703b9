import { gunzipSync } from 'node:zlib';
import { httpHandler } from '../../shared/http/handler.js';
import { Reply } from '../../shared/http/reply.js';
import { docsRoutes } from '../../shared/routes/docs.js';

let generated: Promise<string> | undefined;

/**
 * Generates the document from the route table, once per process: how the handler runs
 * unbundled (the local gateway and the tests, with tsx). The table and the generator are
 * imported on the first request rather than at module load: the route module (docs.ts)
 * never depends on the table, and the table never on this handler.
 */
const generateOnce = () =>
  (generated ??= Promise.all([import('../../shared/openapi/document.js'), import('../../shared/routes/index.js')]).then(
    ([{ buildOpenApiDocument }, { routes }]) => JSON.stringify(buildOpenApiDocument(routes)),
    (error: unknown) => {
      generated = undefined;
      throw error;
    },
  ));

let inlined: string | undefined;

/**
 * The document's JSON text. On Lambda it was generated at `cdk synth` and compiled into
 * this bundle, gzipped and in base64 (the route's `inline: ['openApiDocument']`,
 * infra/routeBundling.ts): the generator (classic zod, zod-to-openapi, every schema) made
 * this function's cold import about 1.28x the SDK floor's, and the document is the same on
 * every request of a deployment. Gzipped, the literal is about 15 KB instead of 94 KB of
 * text to parse at every cold start; it is unpacked once, at the first request (node:zlib
 * is loaded by the SDK anyway). esbuild replaces `process.env.OPENAPI_DOCUMENT_GZIP` with
 * the literal, so the condition is a constant and the generating branch, with its imports,
 * is dead code it leaves out of the bundle. Keep both uses written exactly so.
 */
const documentJson = (): Promise<string> =>
  process.env.OPENAPI_DOCUMENT_GZIP
    ? Promise.resolve((inlined ??= gunzipSync(Buffer.from(process.env.OPENAPI_DOCUMENT_GZIP, 'base64')).toString('utf8')))
    : generateOnce();

export const handler = httpHandler(
  docsRoutes.openapi,
  async () => new Reply(200, await documentJson(), { 'content-type': 'application/json; charset=utf-8' }),
);
