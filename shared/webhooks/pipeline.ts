import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { logger } from '../log.js';
import { mapLimit } from '../mapLimit.js';
import type { DerivedEvent } from './events.js';
import type { DeliveryRecord } from '../entities/webhookDelivery.js';
import { deliveryIdOf, getDelivery, putDelivery, recordAttempt } from './deliveries.js';
import { disableGoneWebhook, getWebhookRecord, listWebhookRecords } from './subscriptions.js';
import { signatureHeaders } from './signing.js';
import { isLocalStage, isRefusedAddress } from './urlPolicy.js';

/**
 * The delivery pipeline, the same code on AWS and in npm start (docs/webhooks.md):
 *   change stream -> deriveEvents -> fanOut (one delivery record + one job per
 *   subscription that wants the event) -> queue -> attemptDelivery -> retry via the queue.
 * On AWS the queue is SQS (infra/webhookDelivery.ts); locally an in-process scheduler
 * (local/webhooks.ts). Both only carry job ids: the body lives on the delivery record.
 */
export interface DeliveryJob {
  customerId: string;
  webhookId: string;
  deliveryId: string;
}

export interface DeliveryQueue {
  enqueue(jobs: readonly DeliveryJob[]): Promise<void>;
}

/**
 * Seconds to wait after failed attempt n (1-based), then give up: about 10 s first, then
 * growing to the 12 h most SQS can hold a message back; 11 retries span about 40 h.
 * WEBHOOK_RETRY_SCHEDULE (comma-separated seconds, fractions allowed) replaces it: tests use
 * a fast one.
 */
export const DEFAULT_RETRY_SCHEDULE = [10, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200, 43200];

export function retrySchedule(): number[] {
  const given = process.env.WEBHOOK_RETRY_SCHEDULE;
  if (!given) return DEFAULT_RETRY_SCHEDULE;
  const parsed = given.split(',').map((s) => Number(s.trim()));
  return parsed.every((n) => Number.isFinite(n) && n >= 0) ? parsed : DEFAULT_RETRY_SCHEDULE;
}

/** A receiver gets this long to answer (WEBHOOK_TIMEOUT_MS overrides). */
export const deliveryTimeoutMs = () => Number(process.env.WEBHOOK_TIMEOUT_MS || 5000);

/** Subscriptions are read once per customer per batch; a batch's fan-out runs this many customers at a time. */
const FANOUT_CONCURRENCY = 8;

/**
 * For each event, the customer's enabled subscriptions that asked for its type (one Query
 * of the customer's partition per customer in the batch) each get a delivery record and
 * a job. Records already made by a previous try of the same batch are not made again.
 */
export async function fanOut(events: readonly DerivedEvent[], queue: DeliveryQueue): Promise<number> {
  const byCustomer = new Map<string, DerivedEvent[]>();
  for (const event of events) byCustomer.set(event.customerId, [...(byCustomer.get(event.customerId) ?? []), event]);
  const jobs = (
    await mapLimit([...byCustomer], FANOUT_CONCURRENCY, async ([customerId, customerEvents]) => {
      const subscriptions = (await listWebhookRecords(customerId)).filter((s) => s.enabled);
      const made: DeliveryJob[] = [];
      for (const event of customerEvents) {
        for (const subscription of subscriptions) {
          if (!subscription.event_types.includes(event.payload.type)) continue;
          const now = Date.now();
          const record: DeliveryRecord = {
            id: deliveryIdOf(event.payload.id, subscription.id, event.at),
            customer_id: customerId,
            webhook_id: subscription.id,
            event_id: event.payload.id,
            event_type: event.payload.type,
            body: JSON.stringify(event.payload),
            status: 'pending',
            attempts: 0,
            last_response_code: 0,
            last_error: '',
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
          };
          if (await putDelivery(record)) made.push({ customerId, webhookId: subscription.id, deliveryId: record.id });
        }
      }
      return made;
    })
  ).flat();
  if (jobs.length) await queue.enqueue(jobs);
  return jobs.length;
}

export type AttemptResult = { done: true } | { done: false; retryInSeconds: number };

/**
 * One attempt of one delivery: POST the stored body, signed, with a timeout; record the
 * outcome; say whether and when to try again. 2xx: succeeded. 410: failed and the
 * subscription is disabled. Anything else (other statuses, timeout, connection error):
 * retried on the schedule, then failed. A deleted subscription ends the delivery quietly;
 * a disabled one fails it.
 */
export async function attemptDelivery(job: DeliveryJob): Promise<AttemptResult> {
  const [delivery, subscription] = await Promise.all([
    getDelivery(job.customerId, job.webhookId, job.deliveryId),
    getWebhookRecord(job.customerId, job.webhookId),
  ]);
  if (!delivery || delivery.status === 'succeeded' || delivery.status === 'failed') return { done: true };
  if (!subscription) return { done: true };
  const attempts = delivery.attempts + 1;
  if (!subscription.enabled) {
    await recordAttempt(delivery, { status: 'failed', attempts: delivery.attempts, last_response_code: 0, last_error: 'webhook_disabled', next_attempt_at: 0 });
    return { done: true };
  }
  const outcome = await post(subscription.url, signatureHeaders(subscription.secret, delivery.id, delivery.body), delivery.body);
  const base = { attempts, last_response_code: outcome.status, last_error: outcome.error };
  logger.info('webhook attempt', {
    webhook_id: job.webhookId,
    delivery_id: job.deliveryId,
    attempt: attempts,
    status: outcome.status,
    error: outcome.error || undefined,
  });
  if (outcome.status >= 200 && outcome.status < 300) {
    await recordAttempt(delivery, { ...base, status: 'succeeded', next_attempt_at: 0 });
    return { done: true };
  }
  if (outcome.status === 410) {
    await disableGoneWebhook(job.customerId, job.webhookId);
    await recordAttempt(delivery, { ...base, status: 'failed', next_attempt_at: 0 });
    return { done: true };
  }
  const schedule = retrySchedule();
  const wait = outcome.error === 'address_refused' ? undefined : schedule[attempts - 1];
  if (wait === undefined) {
    await recordAttempt(delivery, { ...base, status: 'failed', next_attempt_at: 0 });
    return { done: true };
  }
  await recordAttempt(delivery, { ...base, status: 'retrying', next_attempt_at: Date.now() + wait * 1000 });
  return { done: false, retryInSeconds: wait };
}

interface PostOutcome {
  /** HTTP status, 0 when none came. */
  status: number;
  error: '' | 'timeout' | 'connection' | 'address_refused';
}

/**
 * On AWS stages the connection may only go to a public address: the check runs in the
 * socket's own DNS lookup, so the address checked is the address connected to (a name
 * re-pointed at 169.254.169.254 after the URL was saved is refused here). Redirects are
 * not followed (a 3xx is a failed attempt).
 */
function guardedLookup(hostname: string, options: object, callback: (...args: never[]) => void) {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    const cb = callback as unknown as (e: NodeJS.ErrnoException | null, a?: LookupAddress[] | string, f?: number) => void;
    if (error) return cb(error);
    const list = addresses as LookupAddress[];
    if (!list.length || list.some((a) => isRefusedAddress(a.address))) {
      const refused = Object.assign(new Error('address refused'), { code: 'EADDRREFUSED' });
      return cb(refused);
    }
    if ((options as { all?: boolean }).all) return cb(null, list);
    return cb(null, list[0]!.address, list[0]!.family);
  });
}

function post(url: string, headers: Record<string, string>, body: string): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return finish({ status: 0, error: 'connection' });
    }
    const guarded = !isLocalStage();
    if (guarded && target.protocol !== 'https:') return finish({ status: 0, error: 'address_refused' });
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'sip-registry-webhooks/1',
          ...headers,
        },
        timeout: deliveryTimeoutMs(),
        ...(guarded ? { lookup: guardedLookup as never } : {}),
      },
      (res) => {
        // Only the status matters; the body is drained, not read.
        res.resume();
        finish({ status: res.statusCode ?? 0, error: '' });
      },
    );
    const deadline = setTimeout(() => {
      req.destroy();
      finish({ status: 0, error: 'timeout' });
    }, deliveryTimeoutMs());
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => {
      req.destroy();
      finish({ status: 0, error: 'timeout' });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      finish({ status: 0, error: error.code === 'EADDRREFUSED' ? 'address_refused' : 'connection' });
    });
    req.end(body);
  });
}
