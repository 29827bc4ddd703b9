import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRAR_LAMBDA_TIMEOUT_SECONDS } from '../../infra/registrarTimeouts.js';
import { projectRoot } from '../../infra/routeFunction.js';
import { routes } from '../../shared/routes/index.js';
import { isRegistrarAuth } from '../../shared/routes/route.js';
import { dynamodbCallBudgetMs, dynamodbCallLimits, dynamodbClientOptions } from '../../shared/table/client.js';
import { functionOf } from './inspect.js';
import { SYNTH_TIMEOUT, synthStage } from './synthStage.js';

/**
 * The registrar path's timeouts nest (infra/registrarTimeouts.ts): one DynamoDB call with all
 * its attempts < the registrar Lambdas' timeout < Kamailio's HTTP_TIMEOUT. Read from the three
 * places that set them: the client module, the synthesized template, the Kamailio cfg.
 */

const cfg = readFileSync(path.join(projectRoot, 'registrar/kamailio/kamailio.cfg'), 'utf8');

function kamailioHttpTimeoutSeconds(): number {
  const defined = /#!ifndef HTTP_TIMEOUT\s*\n#!define HTTP_TIMEOUT (\d+)\s*\n#!endif/.exec(cfg);
  if (!defined) throw new Error('kamailio.cfg: no "#!define HTTP_TIMEOUT <seconds>" default');
  return Number(defined[1]);
}

const registrarIds = routes.filter((r) => isRegistrarAuth(r.auth)).map((r) => r.operationId);
const stages: Record<string, ReturnType<typeof synthStage>> = {};
beforeAll(() => {
  stages.dev = synthStage('dev');
  stages.prod = synthStage('prod');
}, SYNTH_TIMEOUT);

describe('the registrar timeout chain', () => {
  it("Kamailio's http_client uses HTTP_TIMEOUT for every lookup and webhook", () => {
    expect(cfg).toMatch(/^modparam\("http_client", "connection_timeout", HTTP_TIMEOUT\)$/m);
    expect(kamailioHttpTimeoutSeconds()).toBe(3);
  });

  it.each(['dev', 'prod'])('nests in %s: DynamoDB budget < Lambda timeout < Kamailio timeout', (stageName) => {
    const { stack, json } = stages[stageName]!;
    const kamailioMs = kamailioHttpTimeoutSeconds() * 1000;
    expect(registrarIds.length).toBe(2);
    for (const id of registrarIds) {
      const lambdaMs = (functionOf(stack, json, id).properties.Timeout as number) * 1000;
      expect(lambdaMs, id).toBe(REGISTRAR_LAMBDA_TIMEOUT_SECONDS * 1000);
      // Every attempt timing out, every pause at its longest, still ends inside the Lambda...
      expect(dynamodbCallLimits.maxAttempts * dynamodbCallLimits.requestTimeoutMs, id).toBeLessThan(lambdaMs);
      expect(dynamodbCallBudgetMs, id).toBeLessThan(lambdaMs);
      // ...with room for the handler around the call (auth, logging, the secret on a cold instance).
      expect(lambdaMs - dynamodbCallBudgetMs, id).toBeGreaterThanOrEqual(500);
      // And the Lambda inside Kamailio, with room for a cold start's init and API Gateway.
      expect(lambdaMs, id).toBeLessThan(kamailioMs);
      expect(kamailioMs - lambdaMs, id).toBeGreaterThanOrEqual(1000);
    }
  });

  it('gives the client its timeouts as handler options: nothing imported, nothing added to the bundles', () => {
    expect(dynamodbClientOptions.requestHandler).toEqual({
      connectionTimeout: dynamodbCallLimits.connectionTimeoutMs,
      requestTimeout: dynamodbCallLimits.requestTimeoutMs,
      throwOnRequestTimeout: true,
    });
    expect(Object.getPrototypeOf(dynamodbClientOptions.requestHandler)).toBe(Object.prototype);
    expect(dynamodbCallLimits.connectionTimeoutMs).toBeLessThan(dynamodbCallLimits.requestTimeoutMs);
    const source = readFileSync(path.join(projectRoot, 'shared/table/client.ts'), 'utf8');
    const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]).sort();
    expect(imports).toEqual(['../config.js', '@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']);
  });
});

describe('a DynamoDB call on AWS settings', () => {
  const servers: http.Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  /** A loopback server standing in for DynamoDB; resolves with its endpoint. */
  async function fakeDynamo(onRequest: http.RequestListener): Promise<{ endpoint: string; requests: () => number }> {
    let count = 0;
    const server = http.createServer((req, res) => {
      count += 1;
      onRequest(req, res);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests: () => count };
  }

  async function getItem(endpoint: string) {
    const client = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, ...dynamodbClientOptions });
    const started = performance.now();
    try {
      await client.send(new GetItemCommand({ TableName: 't', Key: { PK: { S: 'x' } } }));
      throw new Error('expected a failure');
    } catch (error) {
      return { error: error as Error & { $metadata?: { attempts?: number; totalRetryDelay?: number } }, elapsed: performance.now() - started };
    } finally {
      client.destroy();
    }
  }

  it('gives up on a server that never answers within the budget, after every attempt', async () => {
    const server = await fakeDynamo(() => undefined);
    const { error, elapsed } = await getItem(server.endpoint);
    expect(error.name).toBe('TimeoutError');
    expect(error.$metadata?.attempts).toBe(dynamodbCallLimits.maxAttempts);
    expect(server.requests()).toBe(dynamodbCallLimits.maxAttempts);
    expect(elapsed).toBeGreaterThanOrEqual(dynamodbCallLimits.maxAttempts * dynamodbCallLimits.requestTimeoutMs - 50);
    // The budget (1.4 s) plus scheduling slack of a busy test machine, still inside the Lambda timeout.
    expect(elapsed).toBeLessThan(REGISTRAR_LAMBDA_TIMEOUT_SECONDS * 1000);
  }, 20_000);

  it('retries a throttled call with short pauses, not the SDK default of up to 1 s then 2 s', async () => {
    const server = await fakeDynamo((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' }));
    });
    const { error, elapsed } = await getItem(server.endpoint);
    expect(error.name).toBe('ThrottlingException');
    expect(server.requests()).toBe(dynamodbCallLimits.maxAttempts);
    expect(error.$metadata?.totalRetryDelay ?? 0).toBeLessThanOrEqual((dynamodbCallLimits.maxAttempts - 1) * dynamodbCallLimits.maxBackoffMs);
    expect(elapsed).toBeLessThan(dynamodbCallBudgetMs);
  }, 20_000);

  it('does not retry what cannot succeed (a failed condition)', async () => {
    const server = await fakeDynamo((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' }));
    });
    const { error } = await getItem(server.endpoint);
    expect(error.name).toBe('ConditionalCheckFailedException');
    expect(server.requests()).toBe(1);
  }, 20_000);
});
