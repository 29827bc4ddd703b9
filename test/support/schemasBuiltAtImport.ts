/**
 * Run as a script (tsx): imports the given handler modules and prints, as JSON, how many
 * zod schema nodes their module-level code built, by the shared/ or functions/ file whose
 * code built them. zod installs each node's internals with Object.defineProperty(node,
 * '_zod', …): counting those calls counts the nodes (test/deferredSchemas.test.ts).
 */
import { resolve } from 'node:path';

const defineProperty = Object.defineProperty;
const built = new Map<string, number>();
let counting = false;
Object.defineProperty = function <T>(target: T, property: PropertyKey, attributes: PropertyDescriptor & ThisType<unknown>): T {
  if (counting && property === '_zod') {
    const frame = (new Error().stack ?? '').split('\n').find((line) => /\/(shared|functions)\//.test(line) && !line.includes('node_modules'));
    const file = /\/((?:shared|functions)\/[^:]+)/.exec(frame ?? '')?.[1] ?? 'zod itself';
    built.set(file, (built.get(file) ?? 0) + 1);
  }
  return defineProperty(target, property, attributes);
};

await import('zod/mini'); // zod's own module-level nodes are not ours to count
counting = true;
for (const handler of process.argv.slice(2)) await import(resolve(handler));
counting = false;
console.log(JSON.stringify(Object.fromEntries(built)));
