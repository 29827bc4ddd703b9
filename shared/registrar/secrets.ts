import { config } from '../config.js';
import { readSecret } from '../secrets/read.js';

/**
 * The registrar's secrets. Locally they come from the environment (read at call time,
 * so tests can set them); on AWS from Secrets Manager, by the ARN in the environment,
 * through shared/secrets/read.ts (cached per instance).
 */
const splitList = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Every secret currently valid for registrar requests (several during a rotation).
 * `refresh` asks for a fresh copy from Secrets Manager when the cached one is old enough
 * (used after a rejection, so a newly added secret works within a minute).
 */
export async function registrarSecrets(options: { refresh?: boolean } = {}): Promise<string[]> {
  const arn = config.registrarSecretsArn;
  if (!arn) return config.registrarSecrets;
  return splitList((await readSecret(arn, { refresh: options.refresh })) ?? '');
}

/** True when a refresh could return something other than what was just used. */
export const registrarSecretsRefreshable = () => Boolean(config.registrarSecretsArn);

/** Bearer token for the registrar's control endpoint (docs/registrar-protocol.md section 3). */
export async function registrarControlToken(): Promise<string | undefined> {
  const arn = config.registrarControlTokenArn;
  if (!arn) return config.registrarControlToken;
  const value = ((await readSecret(arn)) ?? '').trim();
  return value || undefined;
}

export { clearSecretCacheForTests } from '../secrets/read.js';
