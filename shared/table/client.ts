import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';

let documentClient: DynamoDBDocumentClient | undefined;
let clientEndpoint: string | undefined;

/** One client per process (reused across warm invocations), rebuilt if the endpoint changes. */
export function db(): DynamoDBDocumentClient {
  const endpoint = config.dynamodbEndpoint;
  if (!documentClient || clientEndpoint !== endpoint) {
    const base = new DynamoDBClient({
      region: config.region,
      ...(endpoint
        ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
      maxAttempts: 3,
    });
    documentClient = DynamoDBDocumentClient.from(base, {
      marshallOptions: { removeUndefinedValues: true },
    });
    clientEndpoint = endpoint;
  }
  return documentClient;
}

export const tableName = (): string => config.tableName;
