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
 * The key builders (shared/table/keys.ts) of the customer, access key, domain, extension
 * and claim entities. Not extensionKey / extensionPartition: the bindings share the
 * extension's partition and name it too.
 */
const ENTITY_KEY_BUILDERS = [
  'customerKey',
  'accessKeyKey',
  'accessKeysPrefix',
  'accessKeyHashKey',
  'domainKey',
  'domainsPrefix',
  'domainNameKey',
  'extensionIndexKeys',
  'customerExtensionsIndex',
  'domainExtensionsIndex',
  'sipCredentialKey',
  'directHashKey',
];

/** Names a file imports from shared/table/keys.ts (type-only imports left out: they build nothing). */
function keyBuildersImportedBy(file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  const imports = source.matchAll(/import\s+(type\s+)?(?:\{([^}]*)\}|\*\s+as\s+\w+)\s+from\s+'[./]*(?:shared\/)?table\/keys\.js'/g);
  return [...imports].flatMap(([statement, typeOnly, names]) => {
    if (typeOnly) return [];
    if (names === undefined) return [`${statement} (all of them)`];
    return names
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name && !name.startsWith('type '))
      .map((name) => name.split(/\s+as\s+/)[0]!)
      .filter((name) => ENTITY_KEY_BUILDERS.includes(name));
  });
}

describe('an entity’s keys', () => {
  it('are built only by its module in shared/entities, over the one layout in shared/table/keys.ts', () => {
    const outside = [...sourcesUnder('shared'), ...sourcesUnder('functions')]
      .filter((file) => !file.startsWith('shared/entities/'))
      .map((file) => ({ file, builders: keyBuildersImportedBy(file) }))
      .filter(({ builders }) => builders.length > 0);
    expect(outside).toEqual([]);
  });
});
