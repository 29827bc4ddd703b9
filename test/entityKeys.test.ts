import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** The application's source files: what runs on Lambda and locally behind the gateway. */
function sourcesUnder(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/**
 * The key builders (shared/table/keys.ts) of the customer, access key, domain, extension,
 * binding, claim, webhook and webhook delivery entities: all of them but the idempotency
 * and health items', which have no entity module (their stores are their only users).
 */
const ENTITY_KEY_BUILDERS = [
  'customerKey',
  'accessKeyKey',
  'accessKeysPrefix',
  'accessKeyHashKey',
  'domainKey',
  'domainsPrefix',
  'domainNameKey',
  'extensionPartition',
  'extensionKey',
  'extensionIndexKeys',
  'customerExtensionsIndex',
  'domainExtensionsIndex',
  'sipCredentialKey',
  'directHashKey',
  'bindingKey',
  'BINDING_PREFIX',
  'bindingIndexKeys',
  'customerBindingsIndex',
  'webhookKey',
  'webhooksPrefix',
  'webhookDeliveriesPartition',
  'webhookDeliveryKey',
  'WEBHOOK_DELIVERY_PREFIX',
];

/**
 * Names a file imports from shared/table/keys.ts, statically or with `await import`
 * (type-only imports left out: they build nothing).
 */
function keyBuildersImportedBy(file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  const imports = source.matchAll(
    /(?:import\s+(type\s+)?(?:\{([^}]*)\}|\*\s+as\s+\w+)\s+from\s+|(?:const|let)\s+(?:\{([^}]*)\}|\w+)\s*=\s*await\s+import\()'[./]*(?:shared\/)?table\/keys\.js'/g,
  );
  return [...imports].flatMap(([statement, typeOnly, staticNames, dynamicNames]) => {
    if (typeOnly) return [];
    const names = staticNames ?? dynamicNames;
    if (names === undefined) return [`${statement} (all of them)`];
    return names
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name && !name.startsWith('type '))
      .map((name) => name.split(/\s+as\s+|\s*:\s*/)[0]!)
      .filter((name) => ENTITY_KEY_BUILDERS.includes(name));
  });
}

describe('an entity’s keys', () => {
  it('are built only by its module in shared/entities (also in the benchmarks), over the one layout in shared/table/keys.ts', () => {
    const outside = [...sourcesUnder('shared'), ...sourcesUnder('functions'), ...sourcesUnder('bench')]
      .filter((file) => !file.startsWith('shared/entities/'))
      .map((file) => ({ file, builders: keyBuildersImportedBy(file) }))
      .filter(({ builders }) => builders.length > 0);
    expect(outside).toEqual([]);
  });
});
