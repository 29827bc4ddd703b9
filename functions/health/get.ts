import { unavailable } from '../../shared/errors.js';
import { httpHandler } from '../../shared/http/handler.js';
import { logger } from '../../shared/log.js';
import { healthRoutes } from '../../shared/routes/health.js';
import { pingTable } from '../../shared/store/health.js';

export const handler = httpHandler(healthRoutes.health, async () => {
  try {
    await pingTable();
  } catch (error) {
    logger.warn('table unreachable', { error_name: (error as Error).name });
    throw unavailable('TABLE_UNAVAILABLE', 'The database does not answer.');
  }
  return { status: 'ok' };
});
