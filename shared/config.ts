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
  /**
   * Signs page tokens locally; unset means a per-process random key (tokens die with the
   * process). On AWS the key is read at run time from the secret PAGE_TOKEN_SECRET_ARN names
   * (shared/secrets/pageTokenKeys.ts), so a rotation needs no deploy.
   */
  get pageTokenSecret(): string {
    return env('PAGE_TOKEN_SECRET') ?? processPageTokenSecret;
  },
  /** Locally: the key before the last rotation, still accepted (AWSPREVIOUS on AWS). */
  get pageTokenPreviousSecret(): string | undefined {
    return env('PAGE_TOKEN_PREVIOUS_SECRET');
  },
  get pageTokenSecretArn(): string | undefined {
    return env('PAGE_TOKEN_SECRET_ARN');
  },
  /**
   * Seconds a verified access key stays cached in one instance; 0 disables the cache.
   * Bounds how long a deleted key still works on OTHER instances (on AWS: other route
   * functions); the instance that deleted it forgets it at once.
   */
  get authCacheSeconds(): number {
    return Number(env('AUTH_CACHE_SECONDS') ?? 10);
  },
  /** Largest request body accepted, in bytes. */
  get maxBodyBytes(): number {
    return Number(env('MAX_BODY_BYTES') ?? 64 * 1024);
  },
  /**
   * Registrar secrets: locally a comma-separated list in REGISTRAR_SECRETS; on AWS the
   * ARN of a Secrets Manager secret (REGISTRAR_SECRETS_ARN) holding the same list.
   */
  get registrarSecrets(): string[] {
    return (env('REGISTRAR_SECRETS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  },
  get registrarSecretsArn(): string | undefined {
    return env('REGISTRAR_SECRETS_ARN');
  },
  /** Where forced unregistrations go (docs/registrar-protocol.md); unset = records only. */
  get registrarControlUrl(): string | undefined {
    return env('REGISTRAR_CONTROL_URL');
  },
  get registrarControlToken(): string | undefined {
    return env('REGISTRAR_CONTROL_TOKEN');
  },
  get registrarControlTokenArn(): string | undefined {
    return env('REGISTRAR_CONTROL_TOKEN_ARN');
  },
  /** How long ended registrations stay readable as history (TTL = expiry + this). */
  get registrationRetentionDays(): number {
    return Number(env('REGISTRATION_RETENTION_DAYS') ?? 7);
  },
};

const processPageTokenSecret = crypto.randomUUID();
