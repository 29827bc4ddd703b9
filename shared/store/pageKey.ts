import { invalidArgument } from '../errors.js';

/** What a listing's cursor must look like: exactly its key attributes, all strings. */
export interface ListingKeyShape {
  /** Every key attribute of the item (table keys, plus the index's keys on an index). */
  keyNames: readonly string[];
  /** The partition being listed: the cursor must be in it. */
  partitionName: string;
  partitionKey: string;
  /** Base-table listings by sort key prefix: the cursor's sort key must carry it. */
  sortName: string;
  sortKeyPrefix?: string;
}

/** DynamoDB's limits on key values (partition 2048 bytes, sort 1024); any longer is not ours. */
const MAX_KEY_BYTES = 1024;

/**
 * A page token is signed, so a malformed key inside it means a leaked or mis-issued secret
 * or a key-design change; either way it must be a 400, never a DynamoDB ValidationException
 * (500). This is a step of its own, after the signature check, whatever signs the token.
 */
export function assertListingKey(key: Record<string, unknown>, shape: ListingKeyShape): void {
  const names = Object.keys(key);
  const valid =
    names.length === shape.keyNames.length &&
    shape.keyNames.every(
      (name) => typeof key[name] === 'string' && key[name] !== '' && Buffer.byteLength(key[name] as string) <= MAX_KEY_BYTES,
    ) &&
    key[shape.partitionName] === shape.partitionKey &&
    (shape.sortKeyPrefix === undefined || (key[shape.sortName] as string).startsWith(shape.sortKeyPrefix));
  if (!valid) throw staleOrMalformed();
}

export const staleOrMalformed = () =>
  invalidArgument('INVALID_PAGE_TOKEN', 'page_token is no longer valid; start from the first page');
