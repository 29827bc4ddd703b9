import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { db } from '../../shared/table/client.js';

export interface RecordedCall {
  /** DynamoDB's operation name: GetItem, Query, UpdateItem... */
  operation: string;
  input: Record<string, any>;
  /** What DynamoDB says the call consumed (ReturnConsumedCapacity INDEXES is asked for). */
  capacity: ConsumedCapacity[];
}

/**
 * Records every DynamoDB call the handlers make in this process (the local gateway runs
 * them in-process), with the capacity each consumed. `stop()` removes the recorder.
 */
export function recordDynamoDb() {
  const calls: RecordedCall[] = [];
  const name = `recorder-${Math.random().toString(36).slice(2)}`;
  db().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, any>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      const capacity = output.ConsumedCapacity;
      calls.push({
        operation: String(context.commandName).replace(/Command$/, ''),
        input,
        capacity: capacity === undefined ? [] : Array.isArray(capacity) ? capacity : [capacity],
      });
      return result;
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return {
    calls,
    clear() {
      calls.length = 0;
    },
    stop() {
      db().middlewareStack.remove(name);
    },
  };
}
