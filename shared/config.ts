import type { RouteNeed } from './routes/route.js';
import { parsePermissions, parseRouteTable, type RouteKey } from './routes/tableSummary.js';

/**
 * Runtime configuration, fixed once per process:
 * - on Lambda (AWS_LAMBDA_FUNCTION_NAME set) it is parsed from the environment at cold start,
 *   for the route's `needs` (configureRoute, called by httpHandler at module load): a variable
 *   the route needs and CDK did not set fails the init with its name, instead of a silent
 *   default (a random page-token key per instance, say);
 * - locally and in tests it is passed explicitly (configure): test/support/setup.ts, the
 *   local gateway (local/gateway.ts, from local/settings.ts).
 * Scripts that do neither (npm run admin, bench) get it parsed from their environment with
 * the local defaults below, on first use.
 */
export interface RuntimeConfig {
  stage: string;
  tableName: string;
  /** Set locally and in tests; unset on Lambda, where the SDK finds the regional endpoint. */
  dynamodbEndpoint?: string;
  region: string;
  /** Realm of a domain = `${domain_name}.${sipDomainSuffix}` (need sipDomain). */
  sipDomainSuffix?: string;
  /**
   * Page-token key (need pageTokens): on AWS the secret pageTokenSecretArn names, read at
   * run time (shared/secrets/pageTokenKeys.ts) so a rotation needs no deploy; locally the
   * key itself, and the one before the last rotation, still accepted.
   */
  pageTokenSecretArn?: string;
  pageTokenSecret?: string;
  pageTokenPreviousSecret?: string;
  /**
   * Seconds a verified access key stays cached in one instance; 0 disables the cache.
   * Bounds how long a deleted key still works on OTHER instances (on AWS: other route
   * functions); the instance that deleted it forgets it at once.
   */
  authCacheSeconds: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Registrar secrets (need registrarSecrets): on AWS a Secrets Manager ARN; locally the list. */
  registrarSecretsArn?: string;
  registrarSecrets: string[];
  /** Where forced unregistrations go (docs/registrar-protocol.md); unset = records only. */
  registrarControlUrl?: string;
  registrarControlTokenArn?: string;
  registrarControlToken?: string;
  /** How long ended registrations stay readable as history (TTL = expiry + this); need retention. */
  registrationRetentionDays?: number;
  /**
   * Every route's method and path (need routeTable: the fallback tells 405 from 404), and what
   * an access key may do (need accessKeyPermissions: GET /v1.0/me). Both computed from the
   * route table at deploy time (shared/routes/tableSummary.ts), so neither function bundles it.
   */
  routeTable?: RouteKey[];
  accessKeyPermissions?: string[];
}

/** Defaults of the local stack and tests only: on Lambda a missing variable is an error, never one of these. */
export const LOCAL_DEFAULTS = {
  stage: 'local',
  tableName: 'sip-registry-local',
  region: 'us-east-1',
  sipDomainSuffix: 'sip.local',
  registrationRetentionDays: 7,
} as const;

/** Defaults that hold on every stage (CDK does not set these). */
const DEFAULTS = { authCacheSeconds: 10, maxBodyBytes: 64 * 1024 } as const;

/**
 * The variables each need requires on Lambda (any one of a list), as infra/routeWiring.ts
 * sets them. registrarControl / registrarCache are optional: a stage without a control
 * endpoint wires nothing and the route keeps records only.
 */
export const NEED_VARIABLES: Record<RouteNeed, readonly string[]> = {
  sipDomain: ['SIP_DOMAIN_SUFFIX'],
  pageTokens: ['PAGE_TOKEN_SECRET_ARN', 'PAGE_TOKEN_SECRET'],
  registrarSecrets: ['REGISTRAR_SECRETS_ARN', 'REGISTRAR_SECRETS'],
  registrarControl: [],
  registrarCache: [],
  retention: ['REGISTRATION_RETENTION_DAYS'],
  // On AWS the SQS queue redelivery sends to; locally the in-process delivery queue.
  webhookQueue: ['WEBHOOK_QUEUE_URL'],
  routeTable: ['ROUTE_TABLE'],
  accessKeyPermissions: ['ACCESS_KEY_PERMISSIONS'],
};

export const onLambda = (env: NodeJS.ProcessEnv = process.env) => Boolean(env.AWS_LAMBDA_FUNCTION_NAME);

export interface ConfigScope {
  /** Names the function in the error. */
  label: string;
  table: boolean;
  needs: readonly RouteNeed[];
}

/**
 * Parses the environment. `scope` given (Lambda): every variable the scope needs must be
 * set, and what it does not need is left out, so a read of it fails loudly (configValue).
 * Without a scope (local scripts): everything that is set, with the local defaults.
 */
export function configFromEnvironment(env: NodeJS.ProcessEnv, scope?: ConfigScope): RuntimeConfig {
  const read = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const missing: string[] = [];
  const required = (names: readonly string[]) => {
    if (scope && names.length > 0 && names.every((name) => read(name) === undefined)) missing.push(names.join(' or '));
  };
  const needs = new Set(scope?.needs ?? (Object.keys(NEED_VARIABLES) as RouteNeed[]));
  const has = (need: RouteNeed) => needs.has(need);
  const number = (name: string, fallback: number | undefined): number | undefined => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${scope?.label ?? 'config'}: ${name} must be a non-negative number`);
    return value;
  };
  const parsed = <T>(name: string, parse: (value: string) => T): T | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      return parse(raw);
    } catch (error) {
      throw new Error(`${scope?.label ?? 'config'}: ${(error as Error).message}`);
    }
  };

  required(['STAGE']);
  if (scope?.table) required(['TABLE_NAME']);
  required(['AWS_REGION']);
  for (const need of needs) required(NEED_VARIABLES[need]);
  const controlUrl = has('registrarControl') || has('registrarCache') ? read('REGISTRAR_CONTROL_URL') : undefined;
  if (controlUrl) required(['REGISTRAR_CONTROL_TOKEN_ARN', 'REGISTRAR_CONTROL_TOKEN']);
  if (missing.length > 0) {
    throw new Error(`${scope!.label}: missing configuration ${missing.join(', ')} (its route needs: ${[...needs].join(', ') || 'none'})`);
  }

  const local = scope ? undefined : LOCAL_DEFAULTS;
  return {
    stage: read('STAGE') ?? local?.stage ?? '',
    tableName: read('TABLE_NAME') ?? local?.tableName ?? '',
    dynamodbEndpoint: read('DYNAMODB_ENDPOINT'),
    region: read('AWS_REGION') ?? local?.region ?? '',
    sipDomainSuffix: has('sipDomain') ? (read('SIP_DOMAIN_SUFFIX') ?? local?.sipDomainSuffix) : undefined,
    pageTokenSecretArn: has('pageTokens') ? read('PAGE_TOKEN_SECRET_ARN') : undefined,
    // Local only: with neither variable a per-process key (tokens die with the process).
    pageTokenSecret: has('pageTokens') ? (read('PAGE_TOKEN_SECRET') ?? (local ? crypto.randomUUID() : undefined)) : undefined,
    pageTokenPreviousSecret: has('pageTokens') ? read('PAGE_TOKEN_PREVIOUS_SECRET') : undefined,
    authCacheSeconds: number('AUTH_CACHE_SECONDS', DEFAULTS.authCacheSeconds)!,
    maxBodyBytes: number('MAX_BODY_BYTES', DEFAULTS.maxBodyBytes)!,
    registrarSecretsArn: has('registrarSecrets') ? read('REGISTRAR_SECRETS_ARN') : undefined,
    registrarSecrets: has('registrarSecrets') ? splitList(read('REGISTRAR_SECRETS')) : [],
    registrarControlUrl: controlUrl,
    registrarControlTokenArn: controlUrl ? read('REGISTRAR_CONTROL_TOKEN_ARN') : undefined,
    registrarControlToken: controlUrl ? read('REGISTRAR_CONTROL_TOKEN') : undefined,
    registrationRetentionDays: has('retention') ? number('REGISTRATION_RETENTION_DAYS', local?.registrationRetentionDays) : undefined,
    // No local default: the local gateway and tests pass the values computed from the table.
    routeTable: has('routeTable') ? parsed('ROUTE_TABLE', parseRouteTable) : undefined,
    accessKeyPermissions: has('accessKeyPermissions') ? parsed('ACCESS_KEY_PERMISSIONS', parsePermissions) : undefined,
  };
}

const splitList = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

let current: RuntimeConfig | undefined;
let currentScope: string | undefined;

/** Passes the configuration explicitly (tests, the local gateway). */
export function configure(config: RuntimeConfig): void {
  current = config;
  currentScope = undefined;
}

/** Changes part of the explicit configuration (a test switching registrar secrets, say). */
export function updateConfig(changes: Partial<RuntimeConfig>): void {
  configure({ ...runtimeConfig(), ...changes });
}

/**
 * Cold start of a route's function (httpHandler, at module load): on Lambda the
 * configuration is parsed here, once, for what the route declares, and a missing variable
 * fails the init with its name (the log shows it; every invocation answers 5xx until
 * the stack is fixed). Elsewhere the explicit configuration stands.
 */
export function configureRoute(route: { operationId: string; table: string; needs?: readonly RouteNeed[] }): void {
  if (!onLambda()) return;
  current = configFromEnvironment(process.env, { label: route.operationId, table: route.table !== 'none', needs: route.needs ?? [] });
  currentScope = route.operationId;
}

export function runtimeConfig(): RuntimeConfig {
  if (!current) {
    if (onLambda()) throw new Error('configuration read before the route configured it (httpHandler calls configureRoute)');
    current = configFromEnvironment(process.env);
  }
  return current;
}

/** A value only some routes have: reading it on a route that did not declare the need is a bug, said so. */
function needed<T>(value: T | undefined, need: RouteNeed): T {
  if (value === undefined) {
    throw new Error(`${currentScope ?? 'this function'}: configuration for need '${need}' is not set (${NEED_VARIABLES[need].join(' or ')}); declare it in the route's needs`);
  }
  return value;
}

/** Read access for the code below the handlers: the values of the one configuration. */
export const config = {
  get stage(): string {
    return runtimeConfig().stage;
  },
  get tableName(): string {
    return runtimeConfig().tableName;
  },
  get dynamodbEndpoint(): string | undefined {
    return runtimeConfig().dynamodbEndpoint;
  },
  get region(): string {
    return runtimeConfig().region;
  },
  get sipDomainSuffix(): string {
    return needed(runtimeConfig().sipDomainSuffix, 'sipDomain');
  },
  /** The page-token key source: exactly one of arn (AWS) or the key itself (local). */
  get pageTokenSource(): { arn: string } | { current: string; previous?: string } {
    const c = runtimeConfig();
    if (c.pageTokenSecretArn) return { arn: c.pageTokenSecretArn };
    return { current: needed(c.pageTokenSecret, 'pageTokens'), previous: c.pageTokenPreviousSecret };
  },
  get authCacheSeconds(): number {
    return runtimeConfig().authCacheSeconds;
  },
  get maxBodyBytes(): number {
    return runtimeConfig().maxBodyBytes;
  },
  get registrarSecrets(): string[] {
    return runtimeConfig().registrarSecrets;
  },
  get registrarSecretsArn(): string | undefined {
    return runtimeConfig().registrarSecretsArn;
  },
  get registrarControlUrl(): string | undefined {
    return runtimeConfig().registrarControlUrl;
  },
  get registrarControlToken(): string | undefined {
    return runtimeConfig().registrarControlToken;
  },
  get registrarControlTokenArn(): string | undefined {
    return runtimeConfig().registrarControlTokenArn;
  },
  get registrationRetentionDays(): number {
    return needed(runtimeConfig().registrationRetentionDays, 'retention');
  },
  get routeTable(): readonly RouteKey[] {
    return needed(runtimeConfig().routeTable, 'routeTable');
  },
  get accessKeyPermissions(): readonly string[] {
    return needed(runtimeConfig().accessKeyPermissions, 'accessKeyPermissions');
  },
};
