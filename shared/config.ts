/**
 * Runtime configuration, read from the environment on every call so tests and the
 * local launcher can set it before a handler runs. CDK sets the same variables on Lambda.
 */
const env = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

export const config = {
  get stage(): string {
    return env('STAGE') ?? 'local';
  },
  get tableName(): string {
    return env('TABLE_NAME') ?? 'sip-registry-local';
  },
  /** Set locally and in tests; unset on Lambda, where the SDK finds the regional endpoint. */
  get dynamodbEndpoint(): string | undefined {
    return env('DYNAMODB_ENDPOINT');
  },
  get region(): string {
    return env('AWS_REGION') ?? 'us-east-1';
  },
  /** Realm of a domain = `${domain_name}.${sipDomainSuffix}`. */
  get sipDomainSuffix(): string {
    return env('SIP_DOMAIN_SUFFIX') ?? 'sip.local';
  },
  /** Signs page tokens; unset means a per-process random key (tokens die with the process). */
  get pageTokenSecret(): string {
    return env('PAGE_TOKEN_SECRET') ?? processPageTokenSecret;
  },
  /** Seconds a verified access key stays cached in one instance; 0 disables the cache. */
  get authCacheSeconds(): number {
    return Number(env('AUTH_CACHE_SECONDS') ?? 30);
  },
  /** Largest request body accepted, in bytes. */
  get maxBodyBytes(): number {
    return Number(env('MAX_BODY_BYTES') ?? 64 * 1024);
  },
};

const processPageTokenSecret = crypto.randomUUID();
