/** The one error envelope of the API, VoIPbin's: {"error":{status, reason, message, request_id}}. */
export type ErrorStatus =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNPROCESSABLE_ENTITY'
  | 'HEADERS_TOO_LARGE'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'BAD_GATEWAY'
  | 'UNAVAILABLE';

export const httpStatusOf: Record<ErrorStatus, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_ENTITY: 422,
  RESOURCE_EXHAUSTED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  BAD_GATEWAY: 502,
  UNAVAILABLE: 503,
};

export interface ErrorBody {
  error: { status: ErrorStatus; reason: string; message: string; request_id: string };
}

export class ApiError extends Error {
  readonly status: ErrorStatus;
  readonly reason: string;
  readonly headers: Record<string, string>;

  constructor(status: ErrorStatus, reason: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.headers = headers;
  }

  get httpStatus(): number {
    return httpStatusOf[this.status];
  }

  toBody(requestId: string): ErrorBody {
    return { error: { status: this.status, reason: this.reason, message: this.message, request_id: requestId } };
  }
}

export const invalidArgument = (reason: string, message: string) => new ApiError('INVALID_ARGUMENT', reason, message);
export const notFound = (reason: string, message: string) => new ApiError('NOT_FOUND', reason, message);
export const alreadyExists = (reason: string, message: string) => new ApiError('ALREADY_EXISTS', reason, message);
export const failedPrecondition = (reason: string, message: string) =>
  new ApiError('FAILED_PRECONDITION', reason, message);
export const unauthenticated = (reason: string, message: string) => new ApiError('UNAUTHENTICATED', reason, message);
/** Every 503 says when to retry: the dependencies it reports come back within seconds. */
export const unavailable = (reason: string, message: string, retryAfterSeconds = 2) =>
  new ApiError('UNAVAILABLE', reason, message, { 'retry-after': String(retryAfterSeconds) });
/** Retries against concurrent writers ran out: the client should simply retry. */
export const contended = () =>
  new ApiError('UNAVAILABLE', 'CONTENDED', 'Too many concurrent changes to this resource; retry shortly.', {
    'retry-after': '1',
  });
export const internalError = (requestId: string) =>
  new ApiError('INTERNAL', 'INTERNAL_ERROR', `Internal error; quote request id ${requestId} when reporting it.`);
