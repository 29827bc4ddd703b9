import { mapLimit, type ApiClient } from './api.js';
import type { ApiView } from './report.js';

/**
 * Polls GET /v1.0/extensions/registrations?extension_id=... (100 ids per call) until
 * every extension shows `registered: true` or `settleMs` has passed since the storm
 * ended (a registrar that queues its webhooks delivers them a little later).
 */
export async function waitUntilVisible(client: ApiClient, extensionIds: string[], settleMs: number): Promise<ApiView> {
  const started = Date.now();
  const pending = new Set(extensionIds);
  for (;;) {
    const batches: string[][] = [];
    const ids = [...pending];
    for (let i = 0; i < ids.length; i += 100) batches.push(ids.slice(i, i + 100));
    const answers = await mapLimit(batches, 4, (batch) => client.registrations(batch));
    for (const info of answers.flat()) if (info.registered) pending.delete(info.extension_id);
    const waitedMs = Date.now() - started;
    if (pending.size === 0 || waitedMs >= settleMs) {
      return {
        registered: extensionIds.length - pending.size,
        expected: extensionIds.length,
        waitedMs,
        allVisible: pending.size === 0,
      };
    }
    await new Promise((r) => setTimeout(r, Math.min(500, settleMs - waitedMs)));
  }
}
