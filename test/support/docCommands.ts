import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './localStack.js';

/** The Markdown files whose commands are tested: README.md and docs/*.md. */
export function documentedFiles(): string[] {
  const docs = readdirSync(join(projectRoot, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
  awsOnly: boolean;
}

/** Every ```sh / ```bash / ```shell block; `<!-- aws-only -->` on the line before the fence marks it AWS-only. */
export function shellBlocks(file: string): Block[] {
  const lines = readFileSync(join(projectRoot, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!fence) continue;
    const close = fence[2]!;
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(close)) j++;
    if (['sh', 'bash', 'shell'].includes(fence[3]!)) {
      let k = i - 1;
      while (k >= 0 && lines[k]!.trim() === '') k--;
      blocks.push({ file, line: i + 1, text: lines.slice(i + 1, j).join('\n'), awsOnly: /<!--\s*aws-only\s*-->/.test(lines[k] ?? '') });
    }
    i = j;
  }
  return blocks;
}

/** One logical line: continuation lines joined (the text keeps its backslash-newlines). */
export interface CommandLine {
  text: string;
  /** The same without the trailing comment and with continuations flattened, for matching. */
  flat: string;
  comment: boolean;
}

export function logicalLines(block: string): CommandLine[] {
  const out: CommandLine[] = [];
  let current: string[] = [];
  for (const line of block.split('\n')) {
    current.push(line);
    if (/\\$/.test(line)) continue;
    const text = current.join('\n');
    current = [];
    if (!text.trim()) continue;
    const flat = text.replace(/\\\n\s*/g, ' ').replace(/\s+#\s.*$/, '').trim();
    out.push({ text, flat, comment: text.trim().startsWith('#') });
  }
  return out;
}

/** A command not run as written, and why; `check` proves the reason still holds. */
export interface NotRun {
  pattern: RegExp;
  reason: string;
  check: (line: string) => string | undefined;
}

const ciRun = () => readFileSync(join(projectRoot, '.ci', 'run'), 'utf8');

export const NOT_RUN: NotRun[] = [
  {
    pattern: /^(sudo )?bash registrar\/install\.sh\b/,
    reason: 'installs system packages with apt as root; .ci/run runs it before the tests',
    check: () => (ciRun().includes('bash registrar/install.sh') ? undefined : '.ci/run no longer runs registrar/install.sh'),
  },
  {
    pattern: /^npm test\b|^npm ci && npm test\b/,
    reason: 'this test suite itself (.ci/run runs it)',
    check: () => (ciRun().includes('npm test') ? undefined : '.ci/run no longer runs npm test'),
  },
  {
    pattern: /^bash \.ci\/run\b/,
    reason: "CI's entry point: it runs this suite",
    check: () => (existsSync(join(projectRoot, '.ci', 'run')) ? undefined : '.ci/run is missing'),
  },
  {
    pattern: /^npx vitest run (\S+)/,
    reason: 'a file of this suite (npm test runs it)',
    check: (line) => {
      const file = /^npx vitest run (\S+)/.exec(line)![1]!;
      return existsSync(join(projectRoot, file)) ? undefined : `${file} does not exist`;
    },
  },
  {
    // The storm benchmark at its defaults (300/s for 60 s over 2,000 devices) or with
    // only a define changed: minutes of full load on a 2-core machine. The same command
    // runs at tiny scale as documented (--duration 3) and in test/e2e/registrarStorm.e2e.test.ts.
    pattern: /^npm run bench:registrar(?!.*--duration [1-5]\b)/,
    reason: 'minutes of full load; the documented tiny-scale line runs, and test/e2e/registrarStorm.e2e.test.ts runs the command',
    check: () =>
      existsSync(join(projectRoot, 'test', 'e2e', 'registrarStorm.e2e.test.ts')) ? undefined : 'test/e2e/registrarStorm.e2e.test.ts is missing',
  },
];

/** The storm report (text or --json) says every device is visible in the API. */
const STORM_REPORT_CHECK = [
  "const t = require('fs').readFileSync(process.argv[1], 'utf8');",
  // npm's own header lines come first: the --json report is the last line that is an object.
  "const last = t.split('\\n').filter((l) => l.startsWith('{')).pop() || '';",
  'let r; try { const j = JSON.parse(last); r = [j.api.registered, j.api.expected]; }',
  'catch { const m = /API +(\\d+)\\/(\\d+) devices registered/.exec(t); r = m && [Number(m[1]), Number(m[2])]; }',
  "if (!r || r[0] !== r[1] || r[1] === 0) { console.error('storm report: devices not all visible'); process.exit(1); }",
].join(' ');

/**
 * Commands run at a smaller scale than written (the whole command, its flags and its exit
 * code rules are still exercised): `npm run bench` takes minutes at its defaults.
 */
export const SCALED: { pattern: RegExp; reason: string; replace: (line: string) => string }[] = [
  {
    // Tiny scale as written, but its verdict is about throughput: at 20/s on a machine
    // busy with the rest of the suite it may land a hair under (exit 1). A setup error
    // (exit 2) or a report without the devices all visible still fails.
    pattern: /^npm run bench:registrar.*--duration [1-5]\b/,
    reason: 'runs as written; exit 0 (target met) or 1 (missed at tiny scale on a busy machine), the report printed, every device visible',
    replace: (line) =>
      `${line} > "$DOCTEST_WORK/storm.out" 2>&1 || [ $? -eq 1 ]; cat "$DOCTEST_WORK/storm.out"; ` +
      `node -e "${STORM_REPORT_CHECK}" "$DOCTEST_WORK/storm.out"`,
  },
  {
    pattern: /^npm run bench$/,
    reason: 'minutes at the default sample sizes: run with BENCH_ROUNDS=3 BENCH_REQUESTS=40 BENCH_ATTEMPTS=1; exit 0 (met) or 1 (a target missed, likely at that size), the table printed, no SDK warning',
    replace: () =>
      'BENCH_ROUNDS=3 BENCH_REQUESTS=40 BENCH_ATTEMPTS=1 npm run bench > "$DOCTEST_WORK/bench.out" 2>&1 || [ $? -eq 1 ]; ' +
      'cat "$DOCTEST_WORK/bench.out"; grep -Eq "all targets met|target\\(s\\) missed" "$DOCTEST_WORK/bench.out"; ' +
      '! grep -q NodeVersionSupportWarning "$DOCTEST_WORK/bench.out"',
  },
];

/** Long-running commands: started on their own free ports, checked, stopped. */
export const SERVER = /(^|\s|&&\s*)(npm start|npm run registrar)(\s|$)/;

/**
 * What a `# -> …` line promises about the output before it: for JSON, each "key" and each
 * "key":value with a literal value (not "…", "...", or <placeholder>); for other text, the
 * text before two spaces or an opening parenthesis.
 */
export function expectations(comment: string): string[] {
  const text = comment.replace(/^\s*#\s*->\s*/, '').trim();
  if (!/^[{[]/.test(text)) return [text.split(/\s{2,}|\s\(/)[0]!.trim()];
  const found: string[] = [];
  for (const match of text.matchAll(/"([^"]+)"\s*:\s*("(?:[^"\\]|\\.)*"|true|false|null)?/g)) {
    const [, key, value] = match;
    if (value !== undefined && !/…|\.\.\.|</.test(value)) found.push(`"${key}":${value}`);
    else found.push(`"${key}"`);
  }
  return found;
}

/** Output as compared: JSON's "key": value spacing removed. */
export const normalize = (output: string) => output.replace(/"\s*:\s*/g, '":');
