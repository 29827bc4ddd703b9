import { config } from '../config.js';
import { ApiError, invalidArgument } from '../errors.js';
import type { AnyRoute } from '../routes/route.js';

export function assertBodySize(route: AnyRoute, rawBody: Buffer): void {
  const limit = route.maxBodyBytes ?? config.maxBodyBytes;
  if (rawBody.length > limit) {
    throw new ApiError('PAYLOAD_TOO_LARGE', 'BODY_TOO_LARGE', `The body exceeds ${limit} bytes.`);
  }
}

/**
 * The JSON body of a route that declares one (its size already checked): 415 when not
 * JSON, 400 when malformed. An absent body reads as {} so all-optional bodies may be omitted.
 * Routes without a body schema ignore whatever was sent.
 */
export function readJsonBody(route: AnyRoute, rawBody: Buffer, headers: Record<string, string>): unknown {
  if (!route.body) return undefined;
  if (rawBody.length === 0) return {};
  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_CONTENT_TYPE', 'Send the body as Content-Type: application/json.');
  }
  try {
    return JSON.parse(rawBody.toString('utf8')) as unknown;
  } catch {
    throw invalidArgument('MALFORMED_JSON', 'The body is not valid JSON.');
  }
}
