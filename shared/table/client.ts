import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';

/**
 * How long one DynamoDB call may take, every attempt included. The registrar path's timeouts
 * nest (infra/registrarTimeouts.ts): this budget < the registrar Lambdas' timeout < Kamailio's
 * HTTP_TIMEOUT, so a stalled connection ends as our own 5xx, logged, instead of a Lambda
 * timeout or a Kamailio worker waiting out its own timeout. DynamoDB answers single-item
 * calls in milliseconds and a 1 MB Query page in tens; 400 ms per attempt is ample.
 */
export const dynamodbCallLimits = {
  connectionTimeoutMs: 200,
  requestTimeoutMs: 400,
  maxAttempts: 3,
  /** Longest pause between attempts (full jitter below it). */
  maxBackoffMs: 100,
} as const;

/** The worst case of one call: every attempt times out, every pause is the longest. */
export const dynamodbCallBudgetMs =
  dynamodbCallLimits.maxAttempts * dynamodbCallLimits.requestTimeoutMs + (dynamodbCallLimits.maxAttempts - 1) * dynamodbCallLimits.maxBackoffMs;

type RetryErrorType = 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';
const retryToken = (count: number, delay: number) => ({ getRetryCount: () => count, getRetryDelay: () => delay });

/**
 * The SDK's standard strategy with a bounded pause: it retries throttling and transient errors
 * like the standard one, but the standard one waits up to 1 s, then 2 s after a throttle,
 * which alone would outlast the registrar Lambdas' timeout. Short pauses suit a caller who
 * gives up after 3 s anyway; a throttled table is shown by the alarms, not hidden by waiting.
 */
export const boundedRetryStrategy = {
  acquireInitialRetryToken: async () => retryToken(0, 0),
  refreshRetryTokenForRetry: async (token: { getRetryCount(): number }, errorInfo: { errorType: RetryErrorType }) => {
    const attempt = token.getRetryCount() + 1;
    const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
    if (!retryable || attempt >= dynamodbCallLimits.maxAttempts) throw new Error('No retry token available');
    return retryToken(attempt, Math.floor(Math.random() * Math.min(dynamodbCallLimits.maxBackoffMs, 25 * 2 ** attempt)));
  },
  recordSuccess: () => undefined,
};

/** Client options of every DynamoDB client the API makes (exported for the timeout chain test). */
export const dynamodbClientOptions = {
  maxAttempts: dynamodbCallLimits.maxAttempts,
  retryStrategy: boundedRetryStrategy,
  // Handler options, not a handler instance: the SDK builds its own NodeHttpHandler from them,
  // so nothing is imported and the bundles do not grow.
  requestHandler: {
    connectionTimeout: dynamodbCallLimits.connectionTimeoutMs,
    requestTimeout: dynamodbCallLimits.requestTimeoutMs,
    // Without it a request past requestTimeout only logs a warning and keeps waiting.
    throwOnRequestTimeout: true,
  },
} satisfies DynamoDBClientConfig;

/**
 * DynamoDB Local: a JVM on a busy, shared machine pauses longer than DynamoDB ever takes,
 * so its budget is wider, but still bounded: a stalled or dead local database must end
 * as a 503 within seconds (2 x 3 s + one pause, well under 10 s), never a hang.
 */
export const localDynamodbCallLimits = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 3000,
  maxAttempts: 2,
} as const;

const localClientOptions = {
  maxAttempts: localDynamodbCallLimits.maxAttempts,
  requestHandler: {
    connectionTimeout: localDynamodbCallLimits.connectionTimeoutMs,
    requestTimeout: localDynamodbCallLimits.requestTimeoutMs,
    throwOnRequestTimeout: true,
  },
} satisfies DynamoDBClientConfig;

let documentClient: DynamoDBDocumentClient | undefined;
let clientEndpoint: string | undefined;

/** One client per process (reused across warm invocations), rebuilt if the endpoint changes. */
export function db(): DynamoDBDocumentClient {
  const endpoint = config.dynamodbEndpoint;
  if (!documentClient || clientEndpoint !== endpoint) {
    const base = new DynamoDBClient({
      region: config.region,
      // Locally the wider budget of localDynamodbCallLimits, on AWS the one above.
      ...(endpoint
        ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...localClientOptions }
        : dynamodbClientOptions),
    });
    documentClient = DynamoDBDocumentClient.from(base, {
      marshallOptions: { removeUndefinedValues: true },
    });
    clientEndpoint = endpoint;
  }
  return documentClient;
}

export const tableName = (): string => config.tableName;
