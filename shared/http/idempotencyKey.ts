import type { AnyRoute } from '../routes/route.js';

/**
 * The Idempotency-Key contract (Stripe's), in one place: the middleware
 * (shared/http/idempotency.ts) enforces it and the OpenAPI document describes it.
 */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on a reply that is the stored reply of an earlier request with the same key. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * 16 to 255 printable ASCII characters (a UUID v4 is the intended value). The lower bound is
 * there because the key is also what protects the stored reply (it can hold a new access
 * key's secret or a generated password): only its hash is stored, and the reply is
 * encrypted with a key derived from it.
 */
export const IDEMPOTENCY_KEY_FORMAT = /^[\x21-\x7e]{16,255}$/;

/** How long a key's reply is kept and replayed. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * How long an unfinished first request holds its key. The longest a customer route can run
 * is its Lambda timeout (10 s, infra/registrarTimeouts.ts); past that the holder is dead
 * (crash, timeout) and a retry may do the work.
 */
export const IDEMPOTENCY_LEASE_SECONDS = 15;
/** How long a duplicate waits for the first request's reply before answering 409. */
export const IDEMPOTENCY_WAIT_MS = 5_000;

/**
 * Every customer POST takes the header. Registrar routes do not: the webhook is idempotent
 * by design (events are ordered by their own sequence and de-duplicated), and PUT / DELETE
 * are idempotent by their meaning.
 */
export const takesIdempotencyKey = (route: AnyRoute): boolean => route.method === 'POST' && route.auth === 'customer';
