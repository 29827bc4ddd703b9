import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenApiDocument } from '../../shared/openapi/document.js';
import type { AnyRoute } from '../../shared/routes/route.js';

/** Reading the generated OpenAPI document in tests (test/openapi*.test.ts). */
export type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; style?: string; explode?: boolean; example?: unknown }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown; example?: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown; example?: unknown }> }>;
};

export const operationOf = (doc: OpenApiDocument, route: AnyRoute) =>
  (doc.paths?.[route.path] as Record<string, Operation> | undefined)?.[route.method.toLowerCase()];

/** A response of an operation, following a $ref into components.responses. */
export const resolveResponse = (doc: OpenApiDocument, response: Operation['responses'][string] | undefined) =>
  response?.$ref
    ? (doc.components?.responses?.[response.$ref.split('/').pop()!] as Operation['responses'][string] | undefined)
    : response;

/** The .ts files under these folders, as paths relative to the project root. */
export const sourceFiles = (folders: string[]): string[] =>
  folders.flatMap((folder) =>
    readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name)),
  );
