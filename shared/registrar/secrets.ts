import { config } from '../config.js';
import { unavailable } from '../errors.js';
import { logger } from '../log.js';

/**
 * The registrar's secrets. Locally they come from the environment (read at call time,
 * so tests can set them); on AWS from Secrets Manager, by the ARN in the environment,
 * cached per instance for CACHE_MS. The SDK client is imported only on AWS: local runs
 * and functions that never see a secret do not pay for it.
 */
const CACHE_MS = 5 * 60_000;
/** A rejected secret may mean a rotation happened: refresh, but at most this often. */
const MIN_REFRESH_MS = 60_000;

interface Cached {
  value: string;
  fetchedAt: number;
}
const cache = new Map<string, Cached>();

type SecretsClient = import('@aws-sdk/client-secrets-manager').SecretsManagerClient;
let client: SecretsClient | undefined;

/** A failure is a 503 (never a 500, never the error's message: it may quote the ARN or worse). */
async function fetchSecret(arn: string): Promise<string> {
  try {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    client ??= new sdk.SecretsManagerClient({ region: config.region, maxAttempts: 3 });
    const result = await client.send(new sdk.GetSecretValueCommand({ SecretId: arn }));
    return result.SecretString ?? '';
  } catch (error) {
    logger.error('secrets manager read failed', { error_name: (error as Error).name });
    throw unavailable('SECRET_UNAVAILABLE', 'A secret the API needs could not be read; retry later.');
  }
}

async function cachedSecret(arn: string, refresh = false): Promise<string> {
  const now = Date.now();
  const hit = cache.get(arn);
  if (hit && now - hit.fetchedAt < CACHE_MS && !(refresh && now - hit.fetchedAt >= MIN_REFRESH_MS)) return hit.value;
  const value = await fetchSecret(arn);
  cache.set(arn, { value, fetchedAt: now });
  return value;
}

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
  return splitList(await cachedSecret(arn, options.refresh));
}

/** True when a refresh could return something other than what was just used. */
export const registrarSecretsRefreshable = () => Boolean(config.registrarSecretsArn);

/** Bearer token for the registrar's control endpoint (docs/registrar-protocol.md section 3). */
export async function registrarControlToken(): Promise<string | undefined> {
  const arn = config.registrarControlTokenArn;
  if (!arn) return config.registrarControlToken;
  const value = (await cachedSecret(arn)).trim();
  return value || undefined;
}

/** Tests only: forget cached secrets. */
export function clearSecretCacheForTests() {
  cache.clear();
}
