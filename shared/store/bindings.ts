import * as Binding from '../entities/binding.js';
import * as Extension from '../entities/extension.js';
import type { Key } from '../table/keys.js';
import { batchDeleteAll, batchGetAll } from './batch.js';
import { queryAll, queryItems } from './queryAll.js';
import { deleteItem } from './transactions.js';

export type { BindingOwner, BindingRecord } from '../entities/binding.js';
export type { EndedBy } from './bindingTransitions.js';

/**
 * Reads and deletes of registration bindings (the item: shared/entities/binding.ts; the
 * writes: bindingWrites.ts; the state machine: bindingTransitions.ts).
 */

/**
 * The extension item and all its bindings in one Query of the extension's partition
 * (more pages only past 1 MB, which retention keeps far away). `extension` is undefined
 * when the extension does not exist for this customer.
 */
export async function readExtensionBindings(customerId: string, extensionId: string) {
  const items = await queryAll(Binding.extensionPartition(customerId, extensionId), (item) => item);
  const extensionSk = Extension.key(customerId, extensionId).SK;
  const extension = items.find((item) => item.SK === extensionSk);
  const bindings = items.filter(Binding.isBindingItem).map(Binding.fromItem);
  return { extension, bindings };
}

/** Only the bindings (no ownership proof needed: the caller already has it). */
export function queryBindings(customerId: string, extensionId: string): Promise<Binding.BindingRecord[]> {
  return queryAll(Binding.ofExtension(customerId, extensionId), Binding.fromItem);
}

export interface ExtensionBindings {
  extensionId: string;
  bindings: Binding.BindingRecord[];
}

/** GSI3 entries read per Query while a page of extensions fills. */
const INDEX_READ = 200;

/**
 * One page of a customer's extensions that have binding items, newest extension first,
 * with their bindings. GSI3 holds only the binding keys (so refreshes never write it):
 * a Query of it finds the page's bindings (eventually consistent, fine for a listing),
 * then BatchGetItem reads them from the table (100 per call). A page ends on an
 * extension boundary: reading goes on until one extension more than the page holds has
 * been seen (that one only proves there is a next page) or the index ends. `before`
 * continues below the last extension of the previous page.
 */
export async function pageBindingsByExtension(
  customerId: string,
  pageSize: number,
  before: string | undefined,
): Promise<{ groups: ExtensionBindings[]; more: boolean }> {
  const groups: { extensionId: string; keys: Key[] }[] = [];
  let more = false;
  for await (const entry of queryItems(Binding.ofCustomer(customerId, before), INDEX_READ)) {
    const extensionId = Binding.extensionIdOfIndexEntry(entry);
    const key = { PK: String(entry.PK), SK: String(entry.SK) };
    const last = groups[groups.length - 1];
    if (last?.extensionId === extensionId) {
      last.keys.push(key);
      continue;
    }
    if (groups.length === pageSize) {
      more = true;
      break;
    }
    groups.push({ extensionId, keys: [key] });
  }
  const items = await batchGetAll(groups.flatMap((group) => group.keys));
  const byKey = new Map(items.map((item) => [`${String(item.PK)}|${String(item.SK)}`, Binding.fromItem(item)]));
  return {
    groups: groups.map((group) => ({
      extensionId: group.extensionId,
      bindings: group.keys.flatMap((key) => byKey.get(`${key.PK}|${key.SK}`) ?? []),
    })),
    more,
  };
}

// ---- Deleting the extension ----

/** Delete items for a transaction (the extension's own delete carries them). */
export const bindingDeletes = (customerId: string, extensionId: string, bindings: readonly Binding.BindingRecord[]) =>
  bindings.map((b) => deleteItem(Binding.key(customerId, extensionId, b.registration_id)));

/** Deletes every binding item of an extension (the extension is being deleted). */
export async function deleteAllBindings(customerId: string, extensionId: string): Promise<Binding.BindingRecord[]> {
  const bindings = await queryBindings(customerId, extensionId);
  await batchDeleteAll(bindings.map((b) => Binding.key(customerId, extensionId, b.registration_id)));
  return bindings;
}
