import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** An API Gateway (HTTP API, payload 2.0) GET event, as much of it as the handlers read. */
export const getEvent = (routeKey: string, rawPath: string) => ({
  version: '2.0',
  routeKey,
  rawPath,
  rawQueryString: '',
  headers: {},
  requestContext: { http: { method: 'GET', path: rawPath }, requestId: 'bundle-test', routeKey },
  isBase64Encoded: false,
});

/**
 * Calls the handler of a function bundle (index.mjs) in a fresh Node process, from a
 * directory where no package resolves: what Lambda has is the file alone. Returns the
 * handler's result.
 */
export function invokeIsolated(bundle: string, event: object, env: Record<string, string | undefined> = {}) {
  const isolated = mkdtempSync(path.join(tmpdir(), 'sip-bundle-run-'));
  try {
    copyFileSync(bundle, path.join(isolated, 'index.mjs'));
    const script = [
      "const { handler } = await import('./index.mjs');",
      `const result = await handler(${JSON.stringify(event)}, { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 10000 });`,
      'process.stdout.write(JSON.stringify(result));',
    ].join('\n');
    writeFileSync(path.join(isolated, 'run.mjs'), script);
    const out = execFileSync(process.execPath, ['run.mjs'], {
      cwd: isolated,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    return JSON.parse(out) as { statusCode: number; headers?: Record<string, string>; body?: string };
  } finally {
    rmSync(isolated, { recursive: true, force: true });
  }
}
