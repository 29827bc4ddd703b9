import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { OpenApiDocument } from '../../shared/openapi/document.js';
import { signRegistrarBody } from '../../shared/http/registrarAuth.js';
import { signPageToken } from '../../shared/store/paging.js';
import type { RawRequest } from './fuzzInvoke.js';
import type { FuzzWorld } from './fuzzWorld.js';

/** One operation of the OpenAPI document, as the fuzzer reads it. */
export interface FuzzOperation {
  operationId: string;
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  headerParams: string[];
  security: 'none' | 'customer' | 'registrarBearer' | 'registrarSignature';
  /** A valid body to mutate (the document's example, else one built from the schema). */
  exampleBody?: Record<string, unknown>;
}

interface Parameter {
  name: string;
  in: string;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  security?: Record<string, unknown>[];
  requestBody?: { content?: Record<string, { schema?: Schema; example?: unknown }> };
}
interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
}

/** Every operation of the document: the fuzzer knows nothing the document does not say. */
export function operationsOf(document: OpenApiDocument): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  const resolve = (schema: Schema | undefined): Schema | undefined => {
    const name = schema?.$ref?.split('/').pop();
    return name ? (document.components?.schemas?.[name] as Schema | undefined) : schema;
  };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, raw] of Object.entries(item as Record<string, Operation>)) {
      const parameters = raw.parameters ?? [];
      const names = (where: string) => parameters.filter((p) => p.in === where).map((p) => p.name);
      const schemes = (raw.security ?? []).flatMap((s) => Object.keys(s));
      const json = raw.requestBody?.content?.['application/json'];
      const example = (json?.example ?? (json ? bodyFromSchema(resolve(json.schema), resolve) : undefined)) as
        | Record<string, unknown>
        | undefined;
      operations.push({
        operationId: raw.operationId,
        method: method.toUpperCase(),
        path,
        pathParams: names('path'),
        queryParams: names('query'),
        headerParams: names('header'),
        security: schemes.includes('registrarSignature')
          ? 'registrarSignature'
          : schemes.includes('registrarSecret')
            ? 'registrarBearer'
            : schemes.length
              ? 'customer'
              : 'none',
        ...(json ? { exampleBody: example ?? {} } : {}),
      });
    }
  }
  return operations;
}

function bodyFromSchema(schema: Schema | undefined, resolve: (s: Schema | undefined) => Schema | undefined): unknown {
  const body: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(resolve(schema)?.properties ?? {})) {
    const p = resolve(property);
    const type = Array.isArray(p?.type) ? p.type[0] : p?.type;
    body[name] = p?.enum ? p.enum[0] : type === 'integer' || type === 'number' ? 1 : type === 'boolean' ? true : type === 'object' ? {} : 'fuzz';
  }
  return body;
}

// ---- hostile values -------------------------------------------------------------------

const CONTROL = ['\u0000', '\u0007', '\u001b', '\u007f', '\r', '\n', '\t', '\u2028', '\ufeff'];
const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...CONTROL, 'a', '1', ' '), maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\ud800',
    'a\udc00b',
    '\u0000',
    '\u001b[2J',
    '../../etc/passwd',
    "' OR '1'='1",
    '${jndi:ldap://127.0.0.1/x}',
    '<script>alert(1)</script>',
    'CUSTOMER#x#EXTENSION#y',
    '#LOOKUP',
    'null',
    '1e309',
    '%00',
    '\u202etxt.exe',
    '🦄'.repeat(300),
  ),
  fc.integer({ min: 256, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

const deepNesting = fc.integer({ min: 50, max: 5_000 }).chain((depth) =>
  fc.constantFrom(
    JSON.parse('['.repeat(Math.min(depth, 900)) + ']'.repeat(Math.min(depth, 900))) as unknown,
    Array.from({ length: Math.min(depth, 900) }).reduce<unknown>((inner) => ({ a: inner }), 1),
  ),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, 2 ** 63, 1e308, -0, true, false, null, [], {}),
  fc.jsonValue({ maxDepth: 3 }),
  deepNesting,
);

// ---- ids ------------------------------------------------------------------------------

function idPool(world: FuzzWorld, ownAllowed: boolean): fc.Arbitrary<string> {
  const own = [...world.own.accessKeyIds, ...world.own.domainIds, ...world.own.extensionIds];
  const foreign = [...world.foreign.accessKeyIds, ...world.foreign.domainIds, ...world.foreign.extensionIds];
  return fc.oneof(
    ...(ownAllowed ? [{ weight: 4, arbitrary: fc.constantFrom(...own) }] : []),
    { weight: 3, arbitrary: fc.constantFrom(...foreign) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constant(randomUUID().toUpperCase()) },
    { weight: 2, arbitrary: hostileText.filter((s) => s.length > 0 && s.length < 3000) },
  );
}

// ---- bodies ---------------------------------------------------------------------------

interface BodyCase {
  body?: Buffer;
  contentType?: string;
  /** What the case is, for the failure report. */
  shape: string;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/xml',
  'application/vnd.api+json',
];

function bodyCases(op: FuzzOperation, world: FuzzWorld): fc.Arbitrary<BodyCase> {
  const json = (value: unknown, shape: string): BodyCase => ({
    body: Buffer.from(JSON.stringify(value)),
    contentType: 'application/json',
    shape,
  });
  const base = (): Record<string, unknown> => {
    const body = structuredClone(op.exampleBody ?? {});
    if ('domain_id' in body) body.domain_id = world.own.domainIds[0];
    if (op.operationId === 'postRegistrarWebhook') body.aor = `100@${world.own.realms[0]}`;
    return body;
  };
  const fields = Object.keys(op.exampleBody ?? { name: 1 });
  const mutated = fc.oneof(
    fc.constant(json(base(), 'the valid example')),
    fc.constantFrom(...fields).map((field) => {
      const body = base();
      delete body[field];
      return json(body, `without ${field}`);
    }),
    fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), hostileValue).map(([field, value]) => json({ ...base(), [field]: value }, `extra field ${field}`)),
    fc.tuple(fc.constantFrom(...fields), hostileValue).map(([field, value]) => json({ ...base(), [field]: value }, `${field} hostile`)),
    fc.tuple(fc.constantFrom(...fields), idPool(world, true)).map(([field, value]) => json({ ...base(), [field]: value }, `${field} an id`)),
    fc.constantFrom('__proto__', 'constructor', 'prototype').map((field) => ({
      body: Buffer.from(`{"${field}":{"admin":true},${JSON.stringify(base()).slice(1)}`),
      contentType: 'application/json',
      shape: `${field} key`,
    })),
  );
  const whole = fc.oneof(
    hostileValue.map((value) => json(value, 'body is a hostile value')),
    fc.string().map((text) => ({ body: Buffer.from(text), contentType: 'application/json', shape: 'text as JSON' })),
    fc.constantFrom(
      '{',
      '{"name":',
      '{"name":"a","name":"b"}',
      '\ufeff{}',
      'null',
      '[]',
      '""',
      '{}{}',
      '{"a":1}garbage',
      '['.repeat(100_000),
      '['.repeat(20_000) + ']'.repeat(20_000),
      '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000),
      `{"name":"${'x'.repeat(70_000)}"}`,
    ).map((text) => ({ body: Buffer.from(text), contentType: 'application/json', shape: 'malformed JSON' })),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({
      body: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, ...bytes]), Buffer.from('"}')]),
      contentType: 'application/json',
      shape: 'invalid UTF-8',
    })),
  );
  const withContentType = fc.tuple(mutated, fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined })).map(
    ([c, type]) => ({ ...c, contentType: type, shape: `${c.shape}, content-type ${type ?? 'none'}` }),
  );
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 3, arbitrary: whole },
    { weight: 2, arbitrary: withContentType },
    { weight: 1, arbitrary: fc.constant<BodyCase>({ shape: 'no body' }) },
  );
}

// ---- query ----------------------------------------------------------------------------

type QueryPair = [string, string];

function pageTokens(op: FuzzOperation, world: FuzzWorld): fc.Arbitrary<string> {
  const listing = { '/v1.0/accesskeys': 'accesskeys', '/v1.0/domains': 'domains', '/v1.0/extensions': 'extensions' }[op.path] ?? 'extension-registrations';
  const real = [...Object.values(world.own.pageTokens), ...Object.values(world.foreign.pageTokens)];
  return fc.oneof(
    fc.constantFrom(...real),
    fc.tuple(fc.constantFrom(...real), fc.nat()).map(([token, i]) => {
      const at = i % token.length;
      return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
    }),
    fc.tuple(fc.constantFrom(...real), fc.nat()).map(([token, i]) => token.slice(0, i % token.length)),
    fc.constantFrom(...real).map((token) => `${token}.extra`),
    hostileText,
    // Signed with the real secret for this customer and listing, with a key inside that is
    // not one the listing issued (issue 12 item 5).
    fc.oneof(
      fc.constant({}),
      fc.constant({ PK: 'x' }),
      // Well-formed keys of another tenant's items, inside a token signed for the caller.
      fc.constantFrom(
        { PK: `CUSTOMER#${world.foreign.customerId}`, SK: `DOMAIN#${world.foreign.domainIds[0]}` },
        { PK: `CUSTOMER#${world.foreign.customerId}`, SK: `ACCESSKEY#${world.foreign.accessKeyIds[0]}` },
        {
          PK: `CUSTOMER#${world.foreign.customerId}#EXTENSION#${world.foreign.extensionIds[0]}`,
          SK: '#EXTENSION',
          GSI1PK: `CUSTOMER#${world.foreign.customerId}#EXTENSIONS`,
          GSI1SK: world.foreign.extensionIds[0],
        },
        { PK: `CUSTOMER#${world.own.customerId}`, SK: 'DOMAIN#', GSI1PK: 1, GSI3PK: null },
      ),
      fc.record({ PK: hostileValue, SK: hostileValue }),
      fc.dictionary(fc.string({ maxLength: 8 }), hostileValue, { maxKeys: 4 }),
    ).map((key) => signPageToken(process.env.PAGE_TOKEN_SECRET!, key as Record<string, unknown>, { customerId: world.own.customerId, listing })),
  );
}

function queryPairs(op: FuzzOperation, world: FuzzWorld): fc.Arbitrary<QueryPair[]> {
  const valueFor = (name: string): fc.Arbitrary<string> => {
    switch (name) {
      case 'page_token':
        return pageTokens(op, world);
      case 'page_size':
        return fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('', '1.5', '0x10', '1e3', 'ten', '99999999999999999999'), hostileText);
      case 'domain_id':
      case 'extension_id':
        return idPool(world, true);
      case 'username':
        return fc.oneof(fc.constantFrom('100', '101'), hostileText);
      case 'realm':
        return fc.oneof(fc.constantFrom(...world.own.realms, ...world.foreign.realms), hostileText);
      default:
        return hostileText;
    }
  };
  const params = op.queryParams.map((name) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant<QueryPair[]>([]) },
      { weight: 4, arbitrary: valueFor(name).map((v): QueryPair[] => [[name, v]]) },
      { weight: 1, arbitrary: fc.tuple(valueFor(name), valueFor(name)).map(([a, b]): QueryPair[] => [[name, a], [name, b]]) },
    ),
  );
  const extra = fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileText), { nil: undefined });
  return fc.tuple(fc.tuple(...params), extra).map(([pairs, more]) => [...pairs.flat(), ...(more ? [more] : [])]);
}

// ---- credentials ----------------------------------------------------------------------

interface Credentials {
  query: QueryPair[];
  headers: Record<string, string>;
  shape: string;
}

function customerCredentials(world: FuzzWorld): fc.Arbitrary<Credentials> {
  const own = world.own.token;
  const good = fc.constantFrom<Credentials>(
    { query: [['token', own]], headers: {}, shape: 'own ?token=' },
    { query: [['accesskey', own]], headers: {}, shape: 'own ?accesskey=' },
    { query: [], headers: { authorization: `Bearer ${own}` }, shape: 'own Bearer' },
  );
  const bad = fc.oneof(
    fc.constant<Credentials>({ query: [], headers: {}, shape: 'none' }),
    fc.constant<Credentials>({ query: [['token', world.revokedToken]], headers: {}, shape: 'revoked key' }),
    fc.constant<Credentials>({ query: [['token', world.foreign.token]], headers: {}, shape: "another customer's key" }),
    fc.constant<Credentials>({ query: [['token', own], ['token', own]], headers: {}, shape: '?token= twice' }),
    fc.constant<Credentials>({ query: [['token', own]], headers: { authorization: `Bearer ${world.foreign.token}` }, shape: 'two keys' }),
    fc.constant<Credentials>({ query: [], headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, shape: 'Basic' }),
    fc.nat().map((i): Credentials => {
      const at = i % own.length;
      return { query: [['token', own.slice(0, at) + (own[at] === 'a' ? 'b' : 'a') + own.slice(at + 1)]], headers: {}, shape: 'tampered key' };
    }),
    hostileText.map((t): Credentials => ({ query: [['token', t]], headers: {}, shape: 'hostile ?token=' })),
  );
  return fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: bad });
}

const headerSafe = (value: string) => value.replace(/[^\x20-\x7e\x80-\xff]/g, '?');

function registrarCredentials(op: FuzzOperation, world: FuzzWorld, body: Buffer | undefined): fc.Arbitrary<Credentials> {
  const secret = world.registrarSecret;
  if (op.security === 'registrarBearer') {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant<Credentials>({ query: [], headers: { authorization: `Bearer ${secret}` }, shape: 'registrar secret' }) },
      { weight: 1, arbitrary: hostileText.map((t): Credentials => ({ query: [], headers: { authorization: `Bearer ${headerSafe(t)}` }, shape: 'wrong secret' })) },
      { weight: 1, arbitrary: fc.constant<Credentials>({ query: [['token', world.own.token]], headers: {}, shape: 'customer key' }) },
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const signed = (timestamp: string, shape: string, tamper = false): Credentials => {
    const signature = signRegistrarBody(secret, timestamp, body ?? Buffer.alloc(0));
    return {
      query: [],
      headers: { 'x-registrar-timestamp': timestamp, 'x-registrar-signature': tamper ? `${signature.slice(0, -2)}AA` : signature },
      shape,
    };
  };
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(signed(String(now), 'signed')) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        signed(String(now - 3600), 'stale timestamp'),
        signed(String(now), 'tampered signature', true),
        signed('-1', 'negative timestamp'),
        signed(`${now}.5`, 'fractional timestamp'),
        { query: [], headers: {}, shape: 'unsigned' } as Credentials,
        { query: [], headers: { authorization: `Bearer ${secret}` }, shape: 'bearer instead of signature' } as Credentials,
      ),
    },
  );
}

// ---- the request ----------------------------------------------------------------------

export interface FuzzCase {
  request: RawRequest;
  /** How the case was built (auth, body shape), for the report. */
  shape: string;
}

/** Hostile requests for one operation, every part drawn from what the document says. */
export function fuzzCases(op: FuzzOperation, world: FuzzWorld): fc.Arbitrary<FuzzCase> {
  // DELETE of the caller's own fixtures would leave nothing to attack; their ids stay out.
  const ids = idPool(world, op.method !== 'DELETE');
  const pathArb = fc.tuple(...op.pathParams.map(() => ids)).map((values) => {
    let path = op.path;
    op.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, encodeSegment(values[i]!))));
    return path;
  });
  const bodyArb: fc.Arbitrary<BodyCase> = op.exampleBody
    ? bodyCases(op, world)
    : fc.oneof(
        { weight: 5, arbitrary: fc.constant<BodyCase>({ shape: 'no body' }) },
        { weight: 1, arbitrary: hostileValue.map((v): BodyCase => ({ body: Buffer.from(JSON.stringify(v) ?? ''), contentType: 'application/json', shape: 'unexpected body' })) },
      );
  const idempotencyArb = op.headerParams.includes('Idempotency-Key')
    ? fc.oneof(
        { weight: 4, arbitrary: fc.constant<string | undefined>(undefined) },
        { weight: 2, arbitrary: fc.uuid().map((u): string | undefined => u) },
        { weight: 1, arbitrary: fc.constant<string | undefined>('fuzz-fixed-idempotency-key-0001') },
        { weight: 1, arbitrary: hostileText.map((t): string | undefined => headerSafe(t).slice(0, 8000)) },
      )
    : fc.constant<string | undefined>(undefined);

  return fc.tuple(pathArb, queryPairs(op, world), bodyArb, idempotencyArb).chain(([path, query, body, idempotencyKey]) => {
    const credentials =
      op.security === 'customer'
        ? customerCredentials(world)
        : op.security === 'none'
          ? fc.constant<Credentials>({ query: [], headers: {}, shape: 'no credentials' })
          : registrarCredentials(op, world, body.body);
    return credentials.map((auth): FuzzCase => {
      const search = new URLSearchParams([...auth.query, ...query]).toString();
      const headers: Record<string, string> = { ...auth.headers };
      if (body.contentType) headers['content-type'] = body.contentType;
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
      return {
        request: { method: op.method, url: search ? `${path}?${search}` : path, headers, ...(body.body ? { body: body.body } : {}) },
        shape: `auth: ${auth.shape}; body: ${body.shape}`,
      };
    });
  });
}

/** Percent-encodes the UTF-8 bytes, as a client does (a lone surrogate goes as U+FFFD). */
const encodeSegment = (value: string) =>
  [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** The request as a failure report shows it: long parts cut, lengths kept. */
export function describeCase(fuzzCase: FuzzCase): string {
  const { request } = fuzzCase;
  const cut = (text: string) => (text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text);
  return [
    `${request.method} ${cut(request.url)}`,
    ...Object.entries(request.headers).map(([k, v]) => `${k}: ${cut(JSON.stringify(v))}`),
    request.body ? `body (${request.body.length} bytes): ${cut(JSON.stringify(request.body.toString('utf8')))}` : 'no body',
    `(${fuzzCase.shape})`,
  ].join('\n  ');
}
