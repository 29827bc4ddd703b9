/**
 * npm run bench's verdicts (bench/run.ts): a group of measures taken together is repeated
 * while one of them misses its target, and each is judged by the median of its attempts,
 * or, for a pooled group (every attempt adds samples to the same pool and reports ratios
 * over all of them), by its last attempt.
 */
/** The middle value; for an even count, the mean of the two middle ones. */
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export type Target = { max?: number; min?: number };
export const meets = (ratio: number, target: Target) =>
  (target.max === undefined || ratio <= target.max) && (target.min === undefined || ratio >= target.min);

export interface RowSpec {
  name: string;
  target: Target;
  unit: string;
}
export interface RowResult {
  ratio: number;
  detail: string;
}

/**
 * Runs a group of measures taken together (they share their work) and repeats the whole
 * group while one of its rows misses its target, up to attemptsMax times (BENCH_ATTEMPTS). Each row is judged
 * by the median of its attempts; with `pooled`, `run` reports each attempt over every
 * sample taken so far (a retry makes the one estimate more precise: cold imports, whose
 * single runs vary by about 10% here), and the last attempt is the verdict.
 */
export async function measured(
  rows: RowSpec[],
  run: () => Promise<RowResult[]>,
  attemptsMax: number,
  note: (message: string) => void = () => undefined,
  { pooled = false }: { pooled?: boolean } = {},
): Promise<string[][]> {
  const attempts: RowResult[][] = [];
  const verdictOf = (i: number) => (pooled ? attempts[attempts.length - 1]![i]!.ratio : median(attempts.map((a) => a[i]!.ratio)));
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    attempts.push(await run());
    const verdicts = rows.map((row, i) => meets(verdictOf(i), row.target));
    if (verdicts.every(Boolean)) break;
    if (attempt + 1 < attemptsMax) {
      const missed = rows.filter((_, i) => !verdicts[i]).map((r) => r.name);
      note(`${missed.join('; ')}: missed on attempt ${attempt + 1}, measuring again`);
    }
  }
  return rows.map((row, i) => {
    const ratios = attempts.map((a) => a[i]!.ratio);
    const ratio = verdictOf(i);
    const goal = row.target.max !== undefined ? `<= ${row.target.max}` : `>= ${row.target.min}`;
    const listed = ratios.map((r) => r.toFixed(2)).join(', ');
    const tries = ratios.length < 2 ? '' : pooled ? ` (pooled over ${ratios.length} attempts: ${listed})` : ` (median of ${listed})`;
    const last = attempts[attempts.length - 1]![i]!.detail;
    return [row.name, `${ratio.toFixed(2)}${row.unit}`, `${meets(ratio, row.target) ? 'met' : 'MISSED'} (target ${goal})${tries}`, last];
  });
}
