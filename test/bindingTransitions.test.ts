import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apply,
  dropped,
  expired,
  MAX_ENDINGS,
  removed,
  reported,
  resolve,
  unregistered,
  type BindingEvent,
  type BindingState,
} from '../shared/store/bindingTransitions.js';
import { permutations } from './support/permutations.js';

/**
 * The state machine alone (no DynamoDB): the join of a set of events into a binding's
 * state does not depend on their order. Generated histories are the registrar's kind:
 * one or two REGISTER dialogs of one ruid, CSeq rising with time within a dialog
 * (ties in time allowed), endings of any kind at any of those times.
 */
const fold = (events: readonly BindingEvent[]) =>
  events.reduce<BindingState | undefined>((state, event) => apply(state, event), undefined)!;

const dialogReports = (callId: string, start: number) =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 400 }), fc.constantFrom('c1', 'c2')), { minLength: 1, maxLength: 3 }).map((steps) => {
    let at = start;
    return steps.map(([gap, lifetime, contact], i) => {
      at += gap;
      return reported(at, { contact: `sip:${contact}@h`, received: '', user_agent: `ua-${callId}-${i}`, call_id: callId, cseq: i + 1, expires_at: at + lifetime });
    });
  });

const ending = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom('a', 'b'), fc.integer({ min: 1, max: 4 })).map(([at, c, cseq]) => unregistered(at, { call_id: c, cseq })),
  fc.integer({ min: 0, max: 12 }).map((at) => unregistered(at, {})),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 500 }), fc.constantFrom('a', 'b'), fc.integer({ min: 1, max: 4 })).map(([at, e, c, cseq]) => expired(at + e, at + e, { call_id: c, cseq })),
  fc.integer({ min: 0, max: 12 }).map((at) => dropped(at)),
  fc.integer({ min: 0, max: 12 }).map((at) => removed(at)),
);

const history = fc
  .tuple(dialogReports('a', 0), fc.option(dialogReports('b', 3), { nil: undefined }), fc.array(ending, { maxLength: 2 }))
  .map(([a, b, endings]) => [...a, ...(b ?? []), ...endings])
  .filter((events) => events.length <= 6 && events.filter((e) => e.kind === 'ended').length <= MAX_ENDINGS);

describe('the binding state machine', () => {
  it('joins any registrar history into the same state, in every order', () => {
    fc.assert(
      fc.property(history, (events) => {
        const expected = fold(events);
        for (const order of permutations(events)) expect(fold(order)).toEqual(expected);
      }),
      { numRuns: 300, seed: 124 },
    );
  }, 120_000);

  it('shows a late registration behind an early unregistration: contact and device are filled in, still ended', () => {
    const unregister = unregistered(20, { call_id: 'a', cseq: 2 });
    const register = reported(10, { contact: 'sip:x@h', received: '', user_agent: 'Phone', call_id: 'a', cseq: 1, expires_at: 100 });
    const shown = resolve(fold([unregister, register]));
    expect(shown).toMatchObject({ contact: 'sip:x@h', user_agent: 'Phone', ended_by: 'unregistered', expires_at: 20 });
    expect(resolve(fold([register, unregister]))).toEqual(shown);
  });

  it('counts the same REGISTER reported twice (a retry, a snapshot entry) from its first report', () => {
    const first = reported(10, { contact: 'sip:x@h', received: '', user_agent: 'Phone', call_id: 'a', cseq: 1, expires_at: 100 });
    const again = reported(15, { contact: 'sip:x@h', received: '', user_agent: 'Phone', call_id: 'a', cseq: 1, expires_at: 100 });
    expect(fold([first, again])).toEqual(fold([again, first]));
    expect(fold([again, first]).report?.seen_at).toBe(10);
  });
});
