import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/routeFunction.js';
import { routes } from '../../shared/routes/index.js';
import { cdkJson } from './synthStage.js';

const run = promisify(execFile);
const outDirs: string[] = [];
afterAll(() => outDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** No AWS credentials or profile: synth must not need an account. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  return { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}

/** As root with unshare available, run without any network at all (loopback only). */
function isolated(): string[] {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return ['unshare', '-n'];
  } catch {
    return [];
  }
}

describe('cdk CLI', () => {
  it('keeps telemetry and notices off in cdk.json', () => {
    expect(cdkJson.context['cli-telemetry']).toBe(false);
    expect(cdkJson.context.notices).toBe(false);
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    const scripts = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.synth).toContain('CDK_DISABLE_CLI_TELEMETRY=true');
    expect(scripts.cdk).toContain('CDK_DISABLE_CLI_TELEMETRY=true');
  });

  it('sets every feature flag aws-cdk-lib recommends for new projects', () => {
    const unset = Object.entries(cxapi.CURRENTLY_RECOMMENDED_FLAGS).filter(([flag, value]) => JSON.stringify(cdkJson.context[flag]) !== JSON.stringify(value));
    expect(unset).toEqual([]);
  });

  it('CI synthesizes prod exactly as this test does, placeholders allowed explicitly', () => {
    const ci = readFileSync(path.join(projectRoot, '.ci', 'run'), 'utf8');
    expect(ci).toContain('npm run synth -- -c stage=dev\n');
    expect(ci).toContain('npm run synth -- -c stage=prod -c placeholders=allow\n');
  });

  it.each(['dev', 'prod'])(
    'synthesizes %s offline with real bundling',
    async (stage) => {
      const out = mkdtempSync(path.join(tmpdir(), `cdk-${stage}-`));
      outDirs.push(out);
      const [wrapper = 'npx', ...wrapperArgs] = [...isolated(), 'npx'];
      // As .ci/run does: the committed prod settings are placeholders, refused for a deployment.
      const placeholders = stage === 'prod' ? ['-c', 'placeholders=allow'] : [];
      const args = [...wrapperArgs, ...(wrapper === 'npx' ? [] : ['npx']), 'cdk', 'synth', '--quiet', '-c', `stage=${stage}`, ...placeholders, '-o', out];
      await run(wrapper, args, { cwd: projectRoot, env: offlineEnv(), maxBuffer: 64 * 1024 * 1024 });
      const template = JSON.parse(readFileSync(path.join(out, `SipRegistry-${stage}.template.json`), 'utf8'));
      const functions = Object.values(template.Resources as Record<string, { Type: string; Metadata?: Record<string, string> }>).filter(
        (r) => r.Type === 'AWS::Lambda::Function',
      );
      // + the customer webhook events and delivery functions (infra/webhookDelivery.ts).
      expect(functions).toHaveLength(routes.length + 1 + 2);
      // Each function's code is a real esbuild bundle in the assembly.
      for (const fn of functions) {
        const bundle = readFileSync(path.join(out, fn.Metadata!['aws:asset:path']!, 'index.mjs'), 'utf8');
        expect(bundle.startsWith("import { createRequire as __sipCreateRequire } from 'node:module';")).toBe(true);
      }
    },
    240_000,
  );
});
