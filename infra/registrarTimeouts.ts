/**
 * Timeouts on the registrar path nest, innermost first, so each layer fails with an answer
 * before the layer around it gives up waiting:
 *
 *   DynamoDB call, all attempts (shared/table/client.ts, dynamodbCallBudgetMs)
 *     < registrar Lambda timeout (this constant)
 *     < Kamailio's http_client timeout (HTTP_TIMEOUT in registrar/kamailio/kamailio.cfg, 3 s).
 *
 * A DynamoDB hang then ends as a 5xx from our code (logged, alarmed) instead of a Lambda
 * timeout, and a Lambda timeout reaches Kamailio as a 5xx from API Gateway before Kamailio's
 * own timeout, which would leave a SIP worker blocked for the full HTTP_TIMEOUT. The second
 * Kamailio leaves beyond the Lambda timeout is for a cold start (init is not part of the
 * Lambda timeout) and API Gateway. test/infra/timeouts.test.ts checks the chain against the
 * synthesized template, the client module and the cfg file.
 */
export const REGISTRAR_LAMBDA_TIMEOUT_SECONDS = 2;

/** Customer routes: no registrar waiting on them; long enough for a paged Query and a transaction retry. */
export const DEFAULT_LAMBDA_TIMEOUT_SECONDS = 10;
