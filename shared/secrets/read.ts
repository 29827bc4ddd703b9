import { unavailable } from '../errors.js';
import { logger } from '../log.js';

/**
 * Every secret the API reads at run time comes through here. On Lambda it asks the AWS
 * Parameters and Secrets Lambda Extension (a layer CDK adds to exactly the functions that read
 * a secret): an HTTP GET on the loopback address, authenticated by the function's own session token. No
 * Secrets Manager SDK client in any bundle: the extension holds the signing and the retries.
 * The extension's own cache is off (infra/routeFunction.ts): this module caches per instance,
 * so a refresh asked for after a rejected secret really reaches Secrets Manager.
 */
export type VersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

const CACHE_MS = 5 * 60_000;
/** A rejected secret may mean a rotation happened: refresh, but at most this often. */
const MIN_REFRESH_MS = 60_000;
/** Inside the registrar Lambdas' timeout with room for the DynamoDB call after it. */
const EXTENSION_TIMEOUT_MS = 1000;

interface Cached {
  /** undefined: the version stage does not exist (no AWSPREVIOUS before the first rotation). */
  value: string | undefined;
  fetchedAt: number;
}
const cache = new Map<string, Cached>();

const extensionUrl = (secretId: string, stage: VersionStage) =>
  `http://127.0.0.1:${process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773'}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}&versionStage=${stage}`;

/** A failure is a 503 (never a 500, never the error's message: it may quote the ARN or worse). */
async function fetchSecret(secretId: string, stage: VersionStage): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(extensionUrl(secretId, stage), {
      headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' },
      signal: AbortSignal.timeout(EXTENSION_TIMEOUT_MS),
    });
  } catch (error) {
    logger.error('secrets extension unreachable', { error_name: (error as Error).name, version_stage: stage });
    throw unreadable();
  }
  const text = await response.text().catch(() => '');
  if (response.ok) {
    try {
      const body = JSON.parse(text) as { SecretString?: unknown };
      if (typeof body.SecretString === 'string') return body.SecretString;
    } catch {
      // reported below
    }
    logger.error('secrets extension answer without SecretString', { version_stage: stage });
    throw unreadable();
  }
  // A secret never rotated has no AWSPREVIOUS: Secrets Manager says ResourceNotFoundException.
  if (stage === 'AWSPREVIOUS' && text.includes('ResourceNotFoundException')) return undefined;
  logger.error('secrets extension refused', { status: response.status, version_stage: stage });
  throw unreadable();
}

const unreadable = () => unavailable('SECRET_UNAVAILABLE', 'A secret the API needs could not be read; retry later.');

/**
 * One version of a secret, cached per instance for 5 minutes. `refresh` asks for a fresh copy
 * when the cached one is at least a minute old (after a rejection: a rotation may have happened).
 */
export async function readSecret(
  secretId: string,
  options: { stage?: VersionStage; refresh?: boolean } = {},
): Promise<string | undefined> {
  const stage = options.stage ?? 'AWSCURRENT';
  const key = `${stage}|${secretId}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.fetchedAt < CACHE_MS && !(options.refresh && now - hit.fetchedAt >= MIN_REFRESH_MS)) return hit.value;
  const value = await fetchSecret(secretId, stage);
  cache.set(key, { value, fetchedAt: now });
  return value;
}

/** Tests only: forget cached secrets. */
export function clearSecretCacheForTests() {
  cache.clear();
}
