import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import type { TableAccessRecord } from '../../shared/routes/access.js';
import { routes } from '../../shared/routes/index.js';
import { createMatcher } from '../../shared/routes/match.js';
import { db } from '../../shared/table/client.js';

export interface RecordedCall {
  /** DynamoDB's operation name: GetItem, Query, UpdateItem... */
  operation: string;
  input: Record<string, any>;
  /** What DynamoDB says the call consumed (ReturnConsumedCapacity INDEXES is asked for). */
  capacity: ConsumedCapacity[];
  /**
   * The operationId of the route whose request made the call ('fallback' for no route),
   * when it came from a request to the local gateway in this process.
   */
  route?: string;
  /** The call as IAM authorizes it: one entry per item-level action (a transaction is several). */
  accesses: TableAccessRecord[];
}

/**
 * Which request a DynamoDB call belongs to. Node publishes every incoming HTTP request on
 * this channel before the server's handler runs; entering the request into an
 * AsyncLocalStorage there makes everything the handler awaits carry it, without the
 * gateway knowing about tests.
 */
const currentRequest = new AsyncLocalStorage<{ method: string; path: string }>();
let listening = false;
function followRequests() {
  if (listening) return;
  listening = true;
  diagnostics.subscribe('http.server.request.start', (message) => {
    const request = (message as { request: IncomingMessage }).request;
    currentRequest.enterWith({ method: request.method ?? 'GET', path: new URL(request.url ?? '/', 'http://local').pathname });
  });
}
const match = createMatcher(routes);
const routeOfCurrentRequest = (): string | undefined => {
  const request = currentRequest.getStore();
  if (!request) return undefined;
  const found = match(request.method, request.path);
  return found.kind === 'found' ? found.route.operationId : 'fallback';
};

/** Document-client values are plain; low-level ones are { S: '...' }. */
const plain = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { S?: unknown }).S === 'string') return (value as { S: string }).S;
  return undefined;
};
const pkOf = (item: Record<string, unknown> | undefined) => plain(item?.PK);

/** The partition key value a Query names: the value compared with `=` to the key attribute. */
function queriedPartition(input: Record<string, any>): string | undefined {
  const condition = String(input.KeyConditionExpression ?? '');
  const first = /^\s*([#\w]+)\s*=\s*(:\w+)/.exec(condition);
  if (!first) return undefined;
  return plain(input.ExpressionAttributeValues?.[first[2]!]);
}

const transactActions: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

/** One operation as the item-level accesses IAM checks (dynamodb:LeadingKeys is per item). */
export function accessesOf(operation: string, input: Record<string, any>): TableAccessRecord[] {
  switch (operation) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ action: operation, partitionKey: pkOf(input.Key) }];
    case 'PutItem':
      return [{ action: operation, partitionKey: pkOf(input.Item) }];
    case 'Query':
    case 'Scan':
      return [{ action: operation, index: input.IndexName, partitionKey: operation === 'Query' ? queriedPartition(input) : undefined }];
    case 'BatchGetItem':
      return Object.values(input.RequestItems ?? {}).flatMap((request: any) =>
        (request.Keys ?? []).map((key: Record<string, unknown>) => ({ action: operation, partitionKey: pkOf(key) })),
      );
    case 'BatchWriteItem':
      return Object.values(input.RequestItems ?? {}).flatMap((requests: any) =>
        (requests ?? []).map((request: any) => ({
          action: operation,
          partitionKey: pkOf(request.PutRequest?.Item ?? request.DeleteRequest?.Key),
        })),
      );
    case 'TransactWriteItems':
      return (input.TransactItems ?? []).flatMap((item: Record<string, any>) =>
        Object.entries(item).map(([kind, part]) => ({
          action: transactActions[kind] ?? kind,
          partitionKey: pkOf(kind === 'Put' ? part.Item : part.Key),
        })),
      );
    default:
      return [{ action: operation }];
  }
}

/**
 * Records every DynamoDB call the handlers make in this process (the local gateway runs
 * them in-process), with the capacity each consumed, the route that made it and the
 * item-level accesses IAM would check. `stop()` removes the recorder.
 */
export function recordDynamoDb() {
  followRequests();
  const calls: RecordedCall[] = [];
  /** Calls DynamoDB refused or that failed (a failed condition, a cancelled transaction): IAM saw them too. */
  const failedCalls: RecordedCall[] = [];
  const name = `recorder-${Math.random().toString(36).slice(2)}`;
  db().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, any>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const operation = String(context.commandName).replace(/Command$/, '');
      const route = routeOfCurrentRequest();
      const accesses = accessesOf(operation, input);
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        failedCalls.push({ operation, input, capacity: [], route, accesses });
        throw error;
      }
      const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      const capacity = output.ConsumedCapacity;
      calls.push({
        operation,
        input,
        capacity: capacity === undefined ? [] : Array.isArray(capacity) ? capacity : [capacity],
        route,
        accesses,
      });
      return result;
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return {
    calls,
    failedCalls,
    clear() {
      calls.length = 0;
      failedCalls.length = 0;
    },
    stop() {
      db().middlewareStack.remove(name);
    },
  };
}
