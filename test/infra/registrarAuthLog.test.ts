import { afterEach, describe, expect, it, vi } from 'vitest';
import { registrarAuthRejectedPattern } from '../../infra/monitoring.js';
import { REGISTRAR_AUTH_REJECTED, verifyRegistrarRequest } from '../../shared/http/registrarAuth.js';
import { logger } from '../../shared/log.js';
import { registrarRoutes } from '../../shared/routes/registrar.js';
import type { AnyRoute } from '../../shared/routes/route.js';

/**
 * CloudWatch Logs semantics of the one pattern form the stack uses, a JSON equality on a
 * string field without wildcards: `{ $.field = "value" }` matches a JSON log event whose
 * top-level `field` is exactly that string. Any other form fails the test instead of guessing.
 */
function matchesJsonEquality(pattern: string, event: string): boolean {
  const parsed = /^\{ \$\.([A-Za-z_][A-Za-z0-9_]*) = "((?:[^"\\*]|\\.)*)" \}$/.exec(pattern);
  if (!parsed) throw new Error(`pattern ${pattern} is not a plain JSON string equality`);
  const [, field, quoted] = parsed;
  const value = JSON.parse(`"${quoted}"`) as string;
  const record = JSON.parse(event) as Record<string, unknown>;
  return record[field!] === value;
}

/** The lines the real logger (shared/log.ts) writes: warnings go to stderr. */
async function loggedLines(run: () => Promise<unknown>): Promise<string[]> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const level = logger.getLevelName();
  logger.setLogLevel('WARN');
  try {
    await run().catch(() => undefined);
  } finally {
    logger.setLogLevel(level);
    vi.restoreAllMocks();
  }
  return chunks.join('').split('\n').filter((line) => line.trim() !== '');
}

afterEach(() => vi.restoreAllMocks());

describe('registrar auth rejection metric filter', () => {
  it('uses the message the code logs, as a JSON equality', () => {
    expect(REGISTRAR_AUTH_REJECTED).not.toMatch(/[*"\\]/);
    expect(registrarAuthRejectedPattern.logPatternString).toBe(`{ $.message = ${JSON.stringify(REGISTRAR_AUTH_REJECTED)} }`);
  });

  it.each([
    ['bearer', 'credentials', { authorization: 'Basic nope' }, 'malformed'],
    ['bearer', 'credentials', {}, 'missing'],
    ['signature', 'webhook', { 'x-registrar-signature': 'x'.repeat(43) }, 'missing_timestamp'],
    ['signature', 'webhook', { 'x-registrar-timestamp': '1', 'x-registrar-signature': 'x'.repeat(43) }, 'stale_timestamp'],
  ] as const)('counts a refused %s request to %s', async (mode, name, headers, reason) => {
    const route = registrarRoutes[name] as AnyRoute;
    const kind = mode === 'bearer' ? 'registrar-bearer' : 'registrar-signed';
    expect(route.auth).toBe(kind);
    let refused: unknown;
    const lines = await loggedLines(async () => {
      try {
        await verifyRegistrarRequest(kind, { query: {}, headers: { ...headers }, rawBody: Buffer.from('{}') });
      } catch (error) {
        refused = error;
      }
    });
    expect(refused).toMatchObject({ status: 'UNAUTHENTICATED', reason: 'INVALID_REGISTRAR_CREDENTIALS' });
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(JSON.parse(line)).toMatchObject({ level: 'WARN', message: REGISTRAR_AUTH_REJECTED, mode, reason });
    expect(matchesJsonEquality(registrarAuthRejectedPattern.logPatternString, line)).toBe(true);
  });

  it('does not count other warnings (the matcher is live)', async () => {
    const lines = await loggedLines(async () => logger.warn('table unreachable', { error_name: 'TimeoutError' }));
    expect(lines).toHaveLength(1);
    expect(matchesJsonEquality(registrarAuthRejectedPattern.logPatternString, lines[0]!)).toBe(false);
  });
});
