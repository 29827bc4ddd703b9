import * as z from 'zod/mini';
import { deferred } from './deferred.js';

/** GET /v1.0/health's reply. */
export const healthStatus = deferred(() => z.object({ status: z.literal('ok') }));
