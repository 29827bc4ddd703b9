import { randomUUID } from 'node:crypto';
import { deliveryIdOf, putDelivery } from '../../shared/webhooks/deliveries.js';

/** A delivery record as the pipeline makes it (no pipeline runs here). */
export async function recordDelivery(customerId: string, webhookId: string) {
  const now = Date.now();
  const id = deliveryIdOf(`evt_${randomUUID()}`, webhookId, now);
  await putDelivery({
    id,
    customer_id: customerId,
    webhook_id: webhookId,
    event_id: 'evt_contract',
    event_type: 'extension.created',
    body: '{}',
    status: 'failed',
    attempts: 3,
    last_response_code: 500,
    last_error: '',
    next_attempt_at: 0,
    created_at: now,
    updated_at: now,
  });
  return id;
}
