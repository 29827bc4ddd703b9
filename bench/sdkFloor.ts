/**
 * The "SDK floor" of npm run bench: the least a route's function can be, a DocumentClient
 * and one GetCommand, bundled with the same SDK version and options as every route. A
 * route bundle's cold import is judged as a ratio against this one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: { id?: string }) =>
  db.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: event.id ?? 'floor', sk: 'floor' } }));
