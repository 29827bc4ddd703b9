import { db } from '../../shared/table/client.js';

/**
 * Holds the answers of chosen DynamoDB calls made in this process (the local gateway runs
 * the handlers in-process) until `release()`: the call reaches the table, its answer waits.
 * This makes a race window as wide as a test needs, e.g. lookups that read a key before
 * its delete and return after it.
 */
export function holdDynamoDbAnswers(matches: (operation: string, input: Record<string, any>) => boolean) {
  const name = `gate-${Math.random().toString(36).slice(2)}`;
  let open!: () => void;
  const released = new Promise<void>((resolve) => (open = resolve));
  let held = 0;
  let heldChanged = () => undefined as void;
  db().middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (matches(String(context.commandName).replace(/Command$/, ''), args.input as Record<string, any>)) {
        held++;
        heldChanged();
        await released;
      }
      return result;
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return {
    /** Resolves once `count` answers are being held. */
    async waitForHeld(count: number) {
      while (held < count) await new Promise<void>((resolve) => (heldChanged = resolve));
    },
    release() {
      db().middlewareStack.remove(name);
      open();
    },
  };
}
