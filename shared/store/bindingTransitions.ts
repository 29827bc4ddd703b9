/**
 * A registration binding's state machine, without any I/O.
 *
 * The registrar's webhooks for one binding may arrive in any order, duplicated or late.
 * So the state is not "what the last delivery said" but a merge of every event seen,
 * built so that the merge does not depend on the order: each transition below is a
 * commutative, idempotent join of the stored state with one event, and what a binding
 * looks like (live, ended, its contact, its expiry...) is derived from that state by
 * `resolve`, never stored as a second truth.
 *
 * The state:
 * - `report`: the newest full description of the binding (registered, refreshed, a
 *   snapshot entry), newest by `compareReports`;
 * - `endings`: the endings reported for it (unregistered, expired, dropped from a
 *   snapshot, removed by the API), at most MAX_ENDINGS, the latest kept;
 * - `first_at`: the earliest event time seen (tm_create).
 * The binding is ended when an ending `ends` the report; it ended at the earliest such
 * ending. Times are the registrar's (unix seconds, may be fractional), or the API's
 * clock for `removed`.
 */

export interface Report {
  contact: string;
  received: string;
  user_agent: string;
  call_id: string;
  cseq: number;
  expires_at: number;
  /** Event time of the earliest report of this REGISTER (same call_id and cseq). */
  seen_at: number;
}

/** `dropped`: missing from a later snapshot of the AOR (shown as `unregistered`). */
export type EndingKind = 'unregistered' | 'expired' | 'dropped' | 'removed';

export interface Ending {
  kind: EndingKind;
  /** When the binding ends by this ending: the event time, or the expiry for `expired`. */
  at: number;
  /** The REGISTER the registrar named, when it did. */
  call_id?: string;
  cseq?: number;
  /** Details an ending may carry; kept only while no report is known (history otherwise empty). */
  contact?: string;
  received?: string;
  user_agent?: string;
}

export interface BindingState {
  report?: Report;
  endings: Ending[];
  /** Undefined while only snapshot absences are known (they say nothing about a beginning). */
  first_at?: number;
}

export type BindingEvent =
  | { kind: 'reported'; at: number; report: Omit<Report, 'seen_at'> }
  | { kind: 'ended'; at: number; ending: Ending };

/** Endings kept per binding: enough for any real life of one ruid; the oldest go first. */
export const MAX_ENDINGS = 4;

// ---- The named transitions: each builds the event, `apply` joins it into the state ----

/** `registered` / `refreshed` / a snapshot entry at time `at`. */
export const reported = (at: number, report: Omit<Report, 'seen_at'>): BindingEvent => ({ kind: 'reported', at, report });

type Details = Pick<Ending, 'call_id' | 'cseq' | 'contact' | 'received' | 'user_agent'>;

/** `unregistered` at `at` (Expires: 0, or the registrar removed it). */
export const unregistered = (at: number, details: Details): BindingEvent => ({
  kind: 'ended',
  at,
  ending: { ...definedOnly(details), kind: 'unregistered', at },
});

/** `expired`: the registrar saw the binding lapse at `expiresAt` (reported at `at`). */
export const expired = (at: number, expiresAt: number, details: Details): BindingEvent => ({
  kind: 'ended',
  at,
  ending: { ...definedOnly(details), kind: 'expired', at: expiresAt },
});

/** Missing from the AOR's snapshot taken at `at`. */
export const dropped = (at: number): BindingEvent => ({ kind: 'ended', at, ending: { kind: 'dropped', at } });

/** Removed by the API (DELETE) at `at`, API clock: a hidden tombstone. */
export const removed = (at: number): BindingEvent => ({ kind: 'ended', at, ending: { kind: 'removed', at } });

/** The state after `event`; `state` undefined = nothing stored yet. */
export function apply(state: BindingState | undefined, event: BindingEvent): BindingState {
  // A snapshot's silence about a binding says nothing about when it began.
  const begins = !(event.kind === 'ended' && event.ending.kind === 'dropped');
  const first_at = begins ? Math.min(state?.first_at ?? event.at, event.at) : state?.first_at;
  if (event.kind === 'reported') {
    const incoming: Report = { ...event.report, seen_at: event.at };
    const report = state?.report ? newerReport(state.report, incoming) : incoming;
    // Once a report is known, endings' own details are never shown: not kept.
    return { report, endings: (state?.endings ?? []).map(withoutDetails), ...(first_at === undefined ? {} : { first_at }) };
  }
  const ending = state?.report ? withoutDetails(event.ending) : event.ending;
  return {
    ...(state?.report ? { report: state.report } : {}),
    endings: withEnding(state?.endings ?? [], ending),
    ...(first_at === undefined ? {} : { first_at }),
  };
}

// ---- The merge rules ----

/**
 * Which of two reports is newer. Same call_id: the higher CSeq (RFC 3261 10.3); the
 * same REGISTER reported twice (a retry, a snapshot entry) counts from its first report.
 * Other call_id: the later event time, then the higher CSeq. Whatever is still equal
 * (hostile input) is decided by content, so that the order never decides.
 */
export function compareReports(a: Report, b: Report): number {
  if (a.call_id === b.call_id) return a.cseq - b.cseq || b.seen_at - a.seen_at || byContent(a, b);
  return a.seen_at - b.seen_at || a.cseq - b.cseq || byContent(a, b);
}

const newerReport = (a: Report, b: Report) => (compareReports(a, b) >= 0 ? a : b);

const RANK: Record<EndingKind, number> = { expired: 0, dropped: 1, unregistered: 2, removed: 3 };

/** A total order of endings: by time, then kind, then content. */
const compareEndings = (a: Ending, b: Ending) => a.at - b.at || RANK[a.kind] - RANK[b.kind] || byContent(a, b);

function withEnding(endings: readonly Ending[], ending: Ending): Ending[] {
  if (endings.some((e) => compareEndings(e, ending) === 0)) return [...endings];
  return [...endings, ending].sort(compareEndings).slice(-MAX_ENDINGS);
}

/**
 * Whether an ending ends this report (else the report is newer than it):
 * - unregistered: same REGISTER dialog: a CSeq not lower than the report's; else not
 *   older than the report; and the binding had not lapsed before it;
 * - expired: the report's expiry is not later, and not a later CSeq of the same dialog;
 * - dropped: the report is strictly older than the snapshot (a tie keeps it: the next
 *   snapshot settles it), and had not lapsed by then;
 * - removed: the report is not newer than the removal (the device's next refresh is).
 */
export function ends(e: Ending, r: Report): boolean {
  const sameDialog = e.call_id !== undefined && e.cseq !== undefined && e.call_id === r.call_id;
  switch (e.kind) {
    case 'unregistered':
      return (sameDialog ? r.cseq <= e.cseq! : r.seen_at <= e.at) && r.expires_at > e.at;
    case 'expired':
      return r.expires_at <= e.at && !(sameDialog && r.cseq > e.cseq!);
    case 'dropped':
      return r.seen_at < e.at && r.expires_at > e.at;
    case 'removed':
      return r.seen_at <= e.at;
  }
}

export type EndedBy = '' | 'unregistered' | 'expired' | 'removed';

/** What the state means: the binding as it is shown and stored in its derived fields. */
export interface Resolved extends Omit<Report, 'seen_at'> {
  /** expires_at: when it lapses, or when it ended. */
  ended_by: EndedBy;
  /** Event time of the last change that shows (tm_update). */
  changed_at: number;
  first_at: number;
}

const shownKind = (kind: EndingKind): EndedBy => (kind === 'dropped' ? 'unregistered' : kind);

export function resolve(state: BindingState): Resolved {
  const { report, endings, first_at } = state;
  if (report) {
    // The earliest ending that ends it (endings are sorted), unless the API removed it:
    // a removal hides the binding whatever ended it before.
    const ending = endings.find((e) => e.kind === 'removed' && ends(e, report)) ?? endings.find((e) => ends(e, report));
    return {
      contact: report.contact,
      received: report.received,
      user_agent: report.user_agent,
      call_id: report.call_id,
      cseq: report.cseq,
      expires_at: ending ? ending.at : report.expires_at,
      ended_by: ending ? shownKind(ending.kind) : '',
      changed_at: Math.max(report.seen_at, ending?.at ?? -Infinity),
      first_at: first_at ?? report.seen_at,
    };
  }
  // Only endings known (the registration's own report never arrived): history with
  // whatever the endings said, the latest that said it.
  const latest = <K extends keyof Details>(field: K) => endings.findLast((e) => e[field] !== undefined)?.[field];
  const first = endings.find((e) => e.kind === 'removed') ?? endings[0]!;
  return {
    contact: latest('contact') ?? '',
    received: latest('received') ?? '',
    user_agent: latest('user_agent') ?? '',
    call_id: latest('call_id') ?? '',
    cseq: latest('cseq') ?? 0,
    expires_at: first.at,
    ended_by: shownKind(first.kind),
    changed_at: first.at,
    first_at: first_at ?? endings[0]!.at,
  };
}

/**
 * Whether two states show the same binding, tm_create aside (what `applied` counts: an
 * older event that only shows the binding began earlier is not a change of the device).
 */
export function sameResolved(a: BindingState | undefined, b: BindingState): boolean {
  if (a === undefined) return false;
  const { first_at: _a, ...x } = resolve(a);
  const { first_at: _b, ...y } = resolve(b);
  return canonical(x) === canonical(y);
}

export const sameState = (a: BindingState | undefined, b: BindingState) => a !== undefined && canonical(a) === canonical(b);

// ---- helpers ----

/** The details an ending keeps: only those fields, only those given (whatever else the event carried). */
function definedOnly(details: Details): Details {
  const fields = ['call_id', 'cseq', 'contact', 'received', 'user_agent'] as const;
  return Object.fromEntries(fields.filter((f) => details[f] !== undefined).map((f) => [f, details[f]])) as Details;
}

/** An ending as kept once a report is known: its own details are never shown then. */
export function withoutDetails({ contact: _c, received: _r, user_agent: _u, ...rest }: Ending): Ending {
  return rest;
}

/** JSON with sorted keys: equal values give equal strings. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const byContent = (a: object, b: object) => {
  const x = canonical(a);
  const y = canonical(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
