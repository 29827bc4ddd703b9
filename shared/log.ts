import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger. Nothing logs events, headers or query strings: those carry access keys,
 * passwords and signatures. Log only named, non-secret fields.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sip-registry',
  logLevel: (process.env.LOG_LEVEL ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO') as 'INFO',
});
