import type { AnyRoute } from '../routes/route.js';
import { httpHandler } from './handler.js';
import { verifyRegistrarRequest } from './registrarAuth.js';

/**
 * httpHandler for registrar routes: the same wrapper with the registrar check. It lives
 * apart so that only registrar functions bundle that check and the Secrets Manager client
 * it loads its secrets with (customer functions import handler.ts alone).
 */
export const registrarHandler = <R extends AnyRoute>(route: R, fn: Parameters<typeof httpHandler<R>>[1]) =>
  httpHandler(route, fn, verifyRegistrarRequest);
