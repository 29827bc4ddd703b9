import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A handler returns plain data (200 JSON) or one of these for another status. */
export class Reply {
  constructor(
    readonly statusCode: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}

  static json(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
    return new Reply(statusCode, body, headers);
  }

  static noContent() {
    return new Reply(204);
  }
}

export function toResult(reply: Reply, requestId: string): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...reply.headers };
  if (reply.body === undefined) return { statusCode: reply.statusCode, headers };
  if (typeof reply.body === 'string' && headers['content-type']) {
    return { statusCode: reply.statusCode, headers, body: reply.body };
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  return { statusCode: reply.statusCode, headers, body: JSON.stringify(reply.body) };
}
