import { randomUUID } from 'node:crypto';
import type { DeliveryRecord } from '../../shared/entities/webhookDelivery.js';
import { deliveryIdOf, putDelivery } from '../../shared/webhooks/deliveries.js';

/** Where a delivery stands: by default one that failed after three attempts. */
type DeliveryState = Partial<Pick<DeliveryRecord, 'status' | 'attempts' | 'last_response_code' | 'last_error' | 'next_attempt_at'>>;

/** A delivery record as the pipeline makes it (no pipeline runs here); its id. */
export async function recordDelivery(customerId: string, webhookId: string, state: DeliveryState = {}) {
  const now = Date.now();
  const eventId = `evt_${randomUUID()}`;
  const id = deliveryIdOf(eventId, webhookId, now);
  await putDelivery({
    id,
    customer_id: customerId,
    webhook_id: webhookId,
    event_id: eventId,
    event_type: 'extension.created',
    body: '{}',
    status: 'failed',
    attempts: 3,
    last_response_code: 500,
    last_error: '',
    next_attempt_at: 0,
    created_at: now,
    updated_at: now,
    ...state,
  });
  return id;
}
