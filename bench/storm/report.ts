import type { Plan, Sample, SippResult } from './sipp.js';

/** The issue's target: 300 REGISTER/s sustained for 60 s, 0 lost, p99 < 500 ms, every device visible. */
export const TARGET = {
  completedShare: 0.99,
  lost: 0,
  p99Ms: 500,
} as const;

export interface ApiView {
  registered: number;
  expected: number;
  /** Milliseconds from the end of the storm until every device showed (or the wait ran out). */
  waitedMs: number;
  allVisible: boolean;
}

export interface Percentiles {
  p50: number | null;
  p99: number | null;
  samples: number;
}

/** warm's phase 1 (not measured): every device registered once, then showed in the API. */
export interface Warmup {
  devices: number;
  rate: number;
  /** Registrations answered 200. */
  ok: number;
  /** Seconds SIPp ran. */
  seconds: number;
  api_registered: number;
  api_waited_ms: number;
}

export interface Figures {
  /** warm: an established population refreshing, new devices registering; burst: everyone registers anew at the start. */
  scenario: 'warm' | 'burst';
  /** DynamoDB Local of the API: in memory or its file store (as the API reported it). */
  dynamodb: string;
  target: { rate: number; duration_s: number; devices: number };
  /** warm only. */
  warmup?: Warmup;
  offered: {
    /** Transactions on the schedule: rate x duration (first registrations + refreshes). */
    transactions: number;
    first_registrations: number;
    refreshes: number;
    /** The schedule's rate (transactions / duration). */
    rate: number;
    /** Transactions SIPp really started, and the rate it started them at. */
    sent: number;
    sent_rate: number;
  };
  completed: {
    /** Transactions answered 200. */
    transactions: number;
    /** 200s per second from the first REGISTER sent to the last 200 (at least the schedule's length). */
    rate: number;
    /** completed.rate / offered.rate */
    share: number;
  };
  /** Offered minus completed = rejected + timed out + still open when SIPp ended (killed) + never sent (deadline). */
  lost: { transactions: number; rejected: number; timed_out: number; open_at_stop: number; not_sent: number };
  retransmissions: number;
  /** Response time of the whole REGISTER transaction (challenge + credentials), 200s only. */
  response_ms: {
    p50: number | null;
    p99: number | null;
    max: number | null;
    samples: number;
    source: string;
    /**
     * The same split by kind (SIPp's rtd name): a device's first registration (no binding
     * yet: a credential cache miss for a caching registrar) or a refresh of its binding.
     */
    first_registrations: Percentiles;
    refreshes: Percentiles;
    /** By 10-second window of start time: 200s, p50, p99 (how the registrar recovers). */
    timeline: { from_s: number; completed: number; p50: number | null; p99: number | null }[];
  };
  api: { registered: number; expected: number; waited_ms: number };
  /** 1/5/15-minute load averages: when the bench started, when the storm started, when it ended. */
  load_average: { at_start: number[]; storm_start: number[]; storm_end: number[]; cores: number };
  diagnostics: Record<string, number | string>;
  meets_target: boolean;
  missed: string[];
}

export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!;
}

export function figures(input: {
  scenario: 'warm' | 'burst';
  dynamodb: string;
  warmup?: Warmup;
  rate: number;
  duration: number;
  devices: number;
  schedule: Plan;
  sipp: SippResult;
  api: ApiView;
  load: { atStart: number[]; stormStart: number[]; stormEnd: number[] };
  cores: number;
  diagnostics: Record<string, number | string>;
}): Figures {
  const { sipp, schedule } = input;
  const rtts = sipp.samples.map((s) => s.rtt).sort((a, b) => a - b);
  const firstSentAt = sipp.samples.length ? Math.min(...sipp.samples.map((s) => s.at - s.rtt)) : 0;
  const startOf = (s: { at: number; rtt: number }) => s.at - s.rtt - firstSentAt;
  const percentiles = (samples: Sample[]): Percentiles => {
    const sorted = samples.map((s) => s.rtt).sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), samples: sorted.length };
  };
  const timeline: Figures['response_ms']['timeline'] = [];
  for (const sample of sipp.samples) {
    const window = Math.floor(startOf(sample) / 10_000);
    (timeline[window] ??= { from_s: window * 10, completed: 0, p50: null, p99: null }).completed++;
  }
  for (const entry of timeline) {
    if (!entry) continue;
    const p = percentiles(sipp.samples.filter((s) => Math.floor(startOf(s) / 10_000) * 10 === entry.from_s));
    entry.p50 = p.p50;
    entry.p99 = p.p99;
  }
  const offeredRate = schedule.transactions / input.duration;
  // 200s per second over the storm's window: from the first REGISTER sent to the last 200
  // received, but never shorter than the schedule itself (transactions / rate): a run
  // that keeps up completes at the offered rate; one that falls behind stretches the window.
  let completedRate = 0;
  if (sipp.samples.length) {
    const lastOk = Math.max(...sipp.samples.map((s) => s.at));
    completedRate = sipp.ok / Math.max(input.duration, (lastOk - firstSentAt) / 1000);
  }
  const lost = schedule.transactions - sipp.ok;
  const p50 = percentile(rtts, 0.5);
  const p99 = percentile(rtts, 0.99);
  const share = offeredRate > 0 ? completedRate / offeredRate : 0;
  // SIPp's send rate over the schedule: warm devices wait for their start time (SIPp creates their calls ahead).
  const leadSeconds = schedule.startAtMs !== undefined ? Math.max(0, (schedule.startAtMs - sipp.startedAtMs) / 1000) : 0;
  const sendingSeconds = sipp.sendingSeconds - leadSeconds;

  const missed: string[] = [];
  if (share < TARGET.completedShare) {
    missed.push(`completed ${completedRate.toFixed(1)}/s is ${(share * 100).toFixed(1)}% of the offered ${offeredRate.toFixed(1)}/s (target >= ${TARGET.completedShare * 100}%)`);
  }
  if (lost > TARGET.lost) missed.push(`${lost} lost transactions (target ${TARGET.lost})`);
  if (p99 === null || p99 >= TARGET.p99Ms) missed.push(`p99 ${p99 ?? 'n/a'} ms (target < ${TARGET.p99Ms} ms)`);
  if (!input.api.allVisible) missed.push(`${input.api.registered}/${input.api.expected} devices registered in the API after ${input.api.waitedMs} ms`);

  return {
    scenario: input.scenario,
    dynamodb: input.dynamodb,
    target: { rate: input.rate, duration_s: input.duration, devices: input.devices },
    ...(input.warmup ? { warmup: input.warmup } : {}),
    offered: {
      transactions: schedule.transactions,
      first_registrations: schedule.firstRegistrations,
      refreshes: schedule.refreshes,
      rate: round(offeredRate),
      sent: sipp.sent,
      sent_rate: round(sendingSeconds > 0 ? sipp.sent / sendingSeconds : 0),
    },
    completed: { transactions: sipp.ok, rate: round(completedRate), share: round(share, 4) },
    lost: {
      transactions: lost,
      rejected: sipp.rejected,
      timed_out: sipp.timedout,
      open_at_stop: Math.max(0, sipp.sent - sipp.ok - sipp.rejected - sipp.timedout),
      not_sent: Math.max(0, schedule.transactions - sipp.sent),
    },
    retransmissions: sipp.retransmissions,
    response_ms: {
      p50,
      p99,
      max: rtts.at(-1) ?? null,
      samples: rtts.length,
      source: 'SIPp rtds "first" and "refresh" via -trace_rtt: one sample per 200, first REGISTER sent -> 200 received (SIPp clock, ~4 ms resolution)',
      first_registrations: percentiles(sipp.samples.filter((s) => s.kind === 'first')),
      refreshes: percentiles(sipp.samples.filter((s) => s.kind === 'refresh')),
      timeline: timeline.filter(Boolean),
    },
    api: { registered: input.api.registered, expected: input.api.expected, waited_ms: input.api.waitedMs },
    load_average: {
      at_start: input.load.atStart.map((x) => round(x)),
      storm_start: input.load.stormStart.map((x) => round(x)),
      storm_end: input.load.stormEnd.map((x) => round(x)),
      cores: input.cores,
    },
    diagnostics: input.diagnostics,
    meets_target: missed.length === 0,
    missed,
  };
}

export function formatText(f: Figures): string {
  const la = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  const ms = (v: number | null) => (v === null ? 'n/a' : `${v} ms`);
  const scenario =
    f.scenario === 'warm'
      ? `scenario warm: ${f.target.devices} registered devices refresh, ${f.offered.first_registrations} new devices register for the first time, spread over the run`
      : `scenario burst: ${f.offered.first_registrations} devices register anew first (a registrar restart), then refresh`;
  const lines = [
    `Registrar storm: ${f.target.rate} REGISTER/s for ${f.target.duration_s} s (UDP, digest auth, Expires 3600)`,
    `${scenario}; DynamoDB Local ${f.dynamodb}`,
    ...(f.warmup
      ? [
          `warm-up          (not measured) ${f.warmup.ok}/${f.warmup.devices} first registrations at ${f.warmup.rate}/s in ${f.warmup.seconds.toFixed(1)} s; ` +
            `${f.warmup.api_registered}/${f.warmup.devices} in the API after ${f.warmup.api_waited_ms} ms`,
        ]
      : []),
    `load average     bench start ${la(f.load_average.at_start)}   storm start ${la(f.load_average.storm_start)}   storm end ${la(f.load_average.storm_end)}   (1/5/15 min, ${f.load_average.cores} cores)`,
    `offered          ${f.offered.rate.toFixed(1)}/s   ${f.offered.transactions} transactions = ${f.offered.first_registrations} first registrations + ${f.offered.refreshes} refreshes` +
      `   (SIPp sent ${f.offered.sent} at ${f.offered.sent_rate.toFixed(1)}/s)`,
    `completed        ${f.completed.rate.toFixed(1)}/s   ${f.completed.transactions} answered 200 (${(f.completed.share * 100).toFixed(1)}% of offered)`,
    `lost             ${f.lost.transactions}   (rejected ${f.lost.rejected}, timed out (32 s per request) ${f.lost.timed_out}, ` +
      `still open at the end ${f.lost.open_at_stop}, never sent (devices behind schedule at the deadline) ${f.lost.not_sent})`,
    `retransmissions  ${f.retransmissions}`,
    `response time    p50 ${ms(f.response_ms.p50)}   p99 ${ms(f.response_ms.p99)}   max ${ms(f.response_ms.max)}   (${f.response_ms.samples} samples)`,
    `                 first registrations p50 ${ms(f.response_ms.first_registrations.p50)} p99 ${ms(f.response_ms.first_registrations.p99)} (${f.response_ms.first_registrations.samples})` +
      `   refreshes p50 ${ms(f.response_ms.refreshes.p50)} p99 ${ms(f.response_ms.refreshes.p99)} (${f.response_ms.refreshes.samples})`,
    `                 by start time: ${f.response_ms.timeline.map((w) => `${w.from_s}s ${w.completed} ok p99 ${ms(w.p99)}`).join(' | ')}`,
    `                 ${f.response_ms.source}`,
    `API              ${f.api.registered}/${f.api.expected} devices registered (GET /v1.0/extensions/registrations), after waiting ${f.api.waited_ms} ms`,
    `diagnostics      ${Object.entries(f.diagnostics).map(([k, v]) => `${k}=${v}`).join('  ')}`,
    f.meets_target
      ? 'target           MET (completed >= 99% of offered, 0 lost, p99 < 500 ms, every device visible)'
      : `target           MISSED: ${f.missed.join('; ')}`,
  ];
  return lines.join('\n');
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
