import { describe, it } from 'vitest';
import { INSTALL_COMMAND, registrarTools } from '../../registrar/kamailio.js';

/**
 * The rule for every test that needs Kamailio and SIPp: without them the tests are
 * skipped with a loud warning, unless REQUIRE_REGISTRAR_E2E=1 (set by .ci/run), which
 * turns their absence into a failing test. Returns whether they are missing (skipIf).
 */
export function requireRegistrarTools(what: string) {
  const tools = registrarTools();
  const missing = tools.missing.length > 0;
  const required = process.env.REQUIRE_REGISTRAR_E2E === '1';
  if (missing && !required) {
    const bar = '!'.repeat(86);
    console.warn(
      [
        '',
        bar,
        `!!! ${what} SKIPPED: missing ${tools.missing.join(', ')}`,
        `!!! install: ${INSTALL_COMMAND}`,
        '!!! (REQUIRE_REGISTRAR_E2E=1 makes this a failure)',
        bar,
        '',
      ].join('\n'),
    );
  }
  if (missing && required) {
    describe(`${what}: tools`, () => {
      it('has kamailio (with http_client, jansson, crypto) and sipp installed (REQUIRE_REGISTRAR_E2E=1)', () => {
        throw new Error(`missing ${tools.missing.join(', ')}; install: ${INSTALL_COMMAND}`);
      });
    });
  }
  return { tools, missing };
}
