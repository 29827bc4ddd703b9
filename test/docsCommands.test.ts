import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortFor, portFree } from '../local/ports.js';
import { requireRegistrarTools } from './support/registrarTools.js';
import {
  NOT_RUN,
  SCALED,
  SERVER,
  documentedFiles,
  expectations,
  logicalLines,
  normalize,
  shellBlocks,
  type Block,
} from './support/docCommands.js';
import { freeLocalPorts, portEnv, projectRoot, run, startLocalStack, userEnv, type LocalStack } from './support/localStack.js';

/**
 * Every ```sh block of README.md and docs/*.md, run against a real local stack (npm
 * start's entry: DynamoDB Local, the API, Kamailio) as a user would paste it: one bash
 * session per file (a block may use what an earlier block of the file set), `set -e`,
 * `curl` failing on HTTP errors unless the command prints its own status (-w), and each
 * `# -> …` line checked against the output since the previous one. The documented default
 * endpoints are replaced by the stack's own free ports (never assume 3000, 5060, 5062,
 * 5071 or 8000 are free), /tmp/ by a private folder and .data/ by the stack's data folder.
 * Long-running commands (npm start, npm run registrar) are started on fresh ports, must
 * print their banner and stop cleanly on Ctrl-C. What is not run is listed in
 * test/support/docCommands.ts (AWS-only blocks, CI's own steps, minutes-long benchmarks),
 * each with a check that its reason still holds.
 */
const { missing } = requireRegistrarTools('documented commands (they register SIPp devices)');

const files = documentedFiles();
const blocks = files.flatMap(shellBlocks);

type Plan =
  | { kind: 'run'; script: string }
  | { kind: 'server'; line: string }
  | { kind: 'not-run'; line: string; reason: string; problem?: string };

/** What happens to one logical line of a block that is not AWS-only. */
function plan(flat: string, text: string): Plan {
  const notRun = NOT_RUN.find((rule) => rule.pattern.test(flat));
  if (notRun) return { kind: 'not-run', line: flat, reason: notRun.reason, problem: notRun.check(flat) };
  if (SERVER.test(flat)) return { kind: 'server', line: flat.replace(/^npm ci && /, '') };
  const scaled = SCALED.find((rule) => rule.pattern.test(flat));
  if (scaled) return { kind: 'run', script: scaled.replace(flat) };
  return { kind: 'run', script: text };
}

describe('documented commands: what is and is not run', () => {
  it('finds the blocks, and every command left out still has its reason', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/api.md');
    const problems: string[] = [];
    for (const block of blocks.filter((b) => !b.awsOnly)) {
      for (const line of logicalLines(block.text).filter((l) => !l.comment)) {
        const p = plan(line.flat, line.text);
        if (p.kind === 'not-run' && p.problem) problems.push(`${block.file}:${block.line} "${line.flat}": ${p.problem}`);
      }
    }
    expect(problems).toEqual([]);
    // The walk-through is there: a POST, a SIPp registration, a forced unregistration.
    const readme = blocks.filter((b) => b.file === 'README.md').map((b) => b.text).join('\n');
    expect(readme).toMatch(/-X POST "\$API\/domains/);
    expect(readme).toMatch(/^sipp /m);
    expect(readme).toMatch(/-X DELETE "\$API\/extensions\/\$EXTENSION_ID\/registrations/);
  });

  it('every `npm run <script>` the docs name, in blocks or in prose, is a script of package.json', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const unknown: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(projectRoot, file), 'utf8');
      for (const match of text.matchAll(/npm run (?:-s )?([a-z][\w:-]*)/g)) {
        if (!scripts.includes(match[1]!)) unknown.push(`${file}: npm run ${match[1]}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('reads # -> lines as documented', () => {
    expect(expectations('# -> {"id":"…","realm":"acme.sip.local","registered":true,"n":3,...}')).toEqual([
      '"id"',
      '"realm":"acme.sip.local"',
      '"registered":true',
      '"n"',
    ]);
    expect(expectations('# -> RESULT 200  (401: wrong password)')).toEqual(['RESULT 200']);
    expect(expectations('# -> 204')).toEqual(['204']);
  });
});

describe.skipIf(missing)('documented commands run against a local stack', () => {
  let stack: LocalStack;
  let work = '';
  let devicePort = 0;

  beforeAll(async () => {
    stack = await startLocalStack({ LOCAL_ACCESS_KEY: 'k' });
    expect(stack.record.registrar, 'npm start runs Kamailio').toBeTruthy();
    work = mkdtempSync(join(tmpdir(), 'sip-doctest-'));
    devicePort = await freePortFor('udp');
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(stack?.dataDir ?? '/nonexistent', { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The documented defaults, pointed at this stack. */
  const rewrite = (text: string, dir: string) =>
    text
      .replaceAll('127.0.0.1:3000', `127.0.0.1:${stack.ports.api}`)
      .replaceAll('127.0.0.1:8000', `127.0.0.1:${stack.ports.dynamodb}`)
      .replaceAll('127.0.0.1:5060', `127.0.0.1:${stack.ports.sip}`)
      .replaceAll('127.0.0.1:5071', `127.0.0.1:${stack.ports.control}`)
      .replace(/(-p |127\.0\.0\.1:)5062\b/g, `$1${devicePort}`)
      .replaceAll('/tmp/', `${dir}/`)
      .replace(/(\.\/)?\.data\//g, `${stack.dataDir}/`);

  const CURL_WRAPPER = [
    '# curl fails on an HTTP error (>= 400) unless the command prints its own status (-w);',
    '# a failure inside a pipeline is recorded too (no pipefail: `| head` may close early).',
    'curl() {',
    '  case " $* " in *" -w "*|*" --write-out "*) command curl "$@"; return;; esac',
    '  command curl --fail-with-body "$@"; local rc=$?',
    '  if [ $rc -ne 0 ] && [ $rc -ne 23 ]; then echo "curl exit $rc: curl $*" >> "$DOCTEST_FAILED"; fi',
    '  return $rc',
    '}',
  ].join('\n');

  /** On a line of its own even after output without a final newline (curl -s). */
  const marker = (n: number) => `printf '\\n@@%s\\n' ${n}`;

  /** One bash script for a file's runnable lines, with a marker at every block start and `# ->` line. */
  function script(fileBlocks: Block[], dir: string) {
    const parts = ['set -e', CURL_WRAPPER];
    const checks: { where: string; expect: string[] }[] = [];
    let runnable = 0;
    for (const block of fileBlocks) {
      parts.push(marker(checks.length));
      checks.push({ where: `${block.file}:${block.line} (block start)`, expect: [] });
      for (const line of logicalLines(rewrite(block.text, dir))) {
        if (line.comment) {
          if (/^\s*#\s*->/.test(line.text)) {
            parts.push(marker(checks.length));
            checks.push({ where: `${block.file}:${block.line} ${line.text.trim()}`, expect: expectations(line.text) });
          }
          continue;
        }
        const p = plan(line.flat, line.text);
        if (p.kind === 'run') {
          parts.push(p.script);
          runnable++;
        } else parts.push(`: # not run here (${p.kind}): ${p.line.replaceAll('\n', ' ')}`);
      }
    }
    return { text: `${parts.join('\n')}\n`, checks, runnable };
  }

  for (const file of files) {
    const fileBlocks = blocks.filter((b) => b.file === file && !b.awsOnly);
    it(`${file}: every command runs as documented`, () => {
      const dir = mkdtempSync(join(work, 'f-'));
      const { text, checks, runnable } = script(fileBlocks, dir);
      if (runnable === 0) return;
      const failedFile = join(dir, 'curl-failures');
      writeFileSync(failedFile, '');
      const result = spawnSync('bash', ['-c', text], {
        cwd: projectRoot,
        env: userEnv({ LOCAL_DATA_DIR: stack.dataDir, DOCTEST_FAILED: failedFile, DOCTEST_WORK: dir }),
        encoding: 'utf8',
        timeout: 240_000,
      });
      const context = `${file}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
      expect(result.status, context).toBe(0);
      expect(readFileSync(failedFile, 'utf8'), context).toBe('');
      // Output between two markers belongs to the check of the second.
      const segments = result.stdout.split(/^@@(\d+)$/m);
      const outputBefore = new Map<number, string>();
      for (let i = 1; i < segments.length; i += 2) {
        outputBefore.set(Number(segments[i]), i >= 2 ? (segments[i - 1] ?? '') : '');
      }
      for (const [index, check] of checks.entries()) {
        const output = normalize(outputBefore.get(index) ?? '');
        for (const wanted of check.expect) {
          expect(output.includes(normalize(wanted)), `${check.where}: "${wanted}" not in the output:\n${output}\n\n${context}`).toBe(true);
        }
      }
    }, 300_000);
  }

  it('long-running commands (npm start, npm run registrar) start on their own ports, print their banner and stop on Ctrl-C', async () => {
    const servers = new Set<string>();
    for (const block of blocks.filter((b) => !b.awsOnly)) {
      for (const line of logicalLines(block.text).filter((l) => !l.comment)) {
        const p = plan(line.flat, line.text);
        if (p.kind === 'server') servers.add(p.line);
      }
    }
    expect([...servers].some((s) => /npm start/.test(s))).toBe(true);
    expect([...servers].some((s) => /npm run registrar/.test(s))).toBe(true);
    for (const line of servers) {
      const ports = await freeLocalPorts();
      const dataDir = mkdtempSync(join(work, 'server-'));
      const own = (text: string) =>
        text
          .replaceAll('127.0.0.1:3000', `127.0.0.1:${ports.api}`)
          .replaceAll('127.0.0.1:8000', `127.0.0.1:${ports.dynamodb}`)
          .replaceAll('127.0.0.1:5060', `127.0.0.1:${ports.sip}`)
          .replaceAll('127.0.0.1:5071', `127.0.0.1:${ports.control}`);
      // Its own process group, stopped by SIGINT to the group: what Ctrl-C in a terminal does.
      const proc = run('bash', ['-c', own(line)], userEnv({ ...portEnv(ports), LOCAL_DATA_DIR: dataDir, DYNAMODB_LOCAL_IN_MEMORY: '1' }), {
        group: true,
      });
      try {
        await proc.waitFor(/^Ctrl-C stops/m, 120_000);
        if (/npm run registrar/.test(line)) {
          // It follows PORT: the API it fronts is the one on our PORT.
          expect(proc.output()).toContain(`API             http://127.0.0.1:${ports.api}/v1.0 (from PORT`);
        } else {
          expect(proc.output()).toContain(`API             http://127.0.0.1:${ports.api}/v1.0`);
        }
      } finally {
        // A clean Ctrl-C: exit 0, 130 (npm's 128 + SIGINT), or npm dying of the signal (128 here).
        // Not a crash (1) or a hang (SIGKILL after 20 s, also 128: then the port checks below fail).
        const code = await proc.stop('SIGINT');
        expect([0, 128, 130], `${line}\n${proc.output()}`).toContain(code);
      }
      // Nothing left running: every port it used is free again (npm may return before its
      // child has finished stopping Kamailio and DynamoDB Local: allow a few seconds).
      const used: [string, 'tcp' | 'udp', number][] = [
        ['control', 'tcp', ports.control],
        ['SIP', 'udp', ports.sip],
      ];
      if (/npm start/.test(line)) used.push(['API', 'tcp', ports.api], ['DynamoDB', 'tcp', ports.dynamodb]);
      for (const [what, protocol, port] of used) {
        const deadline = Date.now() + 15_000;
        while (!(await portFree(protocol, '127.0.0.1', port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        expect(await portFree(protocol, '127.0.0.1', port), `${line}: ${what} port ${port} still taken 15 s after Ctrl-C`).toBe(true);
      }
    }
  }, 400_000);
});
