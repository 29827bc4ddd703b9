import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Route code validates with zod/mini (issue 14), which loads no locale of its own: every
 * message would be a bare "Invalid input". Classic zod loads English when imported, and
 * this test process imports it (the OpenAPI builder, other tests' helpers), so the check
 * runs in a fresh Node process that loads only what a route loads.
 */
const root = resolve(import.meta.dirname, '..');

function validateInFreshProcess(part: string, schemaModule: string, schemaName: string, value: unknown): string {
  const script = `
    import { validate } from './shared/http/validate.ts';
    import { ${schemaName} as schema } from '${schemaModule}';
    try {
      validate('${part}', schema, ${JSON.stringify(value)});
      console.log('valid');
    } catch (error) {
      console.log(error.message);
    }
  `;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  }).trim();
}

describe('validation messages on zod/mini', () => {
  it("a 400 names zod's English messages, not a bare 'Invalid input', where classic zod is never loaded", () => {
    const message = validateInFreshProcess('query', './shared/schemas/registrarCredentials.ts', 'credentialsQuery', { realm: '' });
    expect(message).toContain('username: Invalid input: expected string, received undefined');
    expect(message).toContain('realm: Too small: expected string to have >=1 characters');
  });
});
