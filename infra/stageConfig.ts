import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';

/** CloudWatch Logs accepts only these retention periods (days). */
const allowedRetentionDays = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0);

const secretArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/, 'a complete Secrets Manager secret ARN (with its 6-character suffix)');

const throttle = z.object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() }).strict();

/**
 * The registrar path's expected load: throttles, reserved concurrency and provisioned table
 * capacity are computed from it (infra/registrarSizing.ts, docs/deploy.md "Sizing").
 */
const registrar = z
  .object({
    /** Devices registered at a time, at the stage's expected peak. */
    expectedDevices: z.number().int().min(1),
    /** Their REGISTER refresh interval (the registrar's default expiry), seconds. */
    refreshSeconds: z.number().int().min(30).max(86_400),
    /**
     * How long Kamailio caches a device's credentials. Default: its CRED_CACHE_TTL (3600 s)
     * when the stage has a registrarControl endpoint (the API tells Kamailio to forget changed
     * credentials), else CRED_CACHE_TTL_NO_CONTROL (60 s): then nearly every REGISTER is a lookup.
     */
    credentialCacheSeconds: z.number().int().min(0).optional(),
    /** Rate limits = headroom x the steady request rate (reconnect storms); default 3. */
    headroom: z.number().min(1).max(100).optional(),
    /** Explicit per-route throttle for both registrar routes, instead of the computed one. */
    throttle: throttle.optional(),
    /** Explicit reserved concurrency per registrar function instead of the computed one; false = none. */
    reservedConcurrency: z.union([z.literal(false), z.number().int().min(1)]).optional(),
  })
  .strict();

const stageSchema = z
  .object({
    /** CloudFormation stack name; default SipRegistry-<stage>. */
    stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/).optional(),
    /** DynamoDB table name; default sip-registry-<stage>. */
    tableName: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/).optional(),
    /** Realms are `<domain_name>.<sipDomainSuffix>`. */
    sipDomainSuffix: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'a DNS name'),
    /** destroy: everything goes with the stack; retain: table, logs and secrets stay, table is deletion-protected. */
    removalPolicy: z.enum(['destroy', 'retain']),
    logRetentionDays: z
      .number()
      .int()
      .refine((d) => allowedRetentionDays.includes(d), `one of ${allowedRetentionDays.join(', ')}`),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /** Stage-wide default for every route (customers share it). */
    throttle,
    /**
     * The registrar path's expected load. Each registrar route (auth 'registrar-bearer' or 'registrar-signed') gets its own throttle
     * (route-level settings replace the stage-wide default for that route), so a customer
     * flooding the API cannot starve Kamailio's credential lookups and webhooks; its function
     * gets reserved concurrency; provisioned tables are sized from it.
     */
    registrar,
    /** Replaced by registrar.throttle (an explicit override of the computed sizing). */
    registrarThrottle: z.never({ error: 'moved: set registrar.expectedDevices and registrar.refreshSeconds (the throttle is computed), or registrar.throttle to override' }).optional(),
    /** DynamoDB capacity: on-demand, or provisioned with target-tracking autoscaling sized from `registrar`. */
    billingMode: z.enum(['on-demand', 'provisioned']),
    /**
     * The account's Lambda concurrency limit in the stage's region (1000 unless raised): the
     * registrar functions' reserved concurrency must leave 100 of it unreserved (AWS's rule).
     */
    lambdaConcurrencyLimit: z.number().int().min(10).default(1000),
    /** An existing secret holding the comma-separated registrar secrets; absent = the stack creates one. */
    registrarSecretArn: secretArn.optional(),
    customDomain: z.object({ domainName: z.string().min(3), certificateArn: z.string().startsWith('arn:') }).optional(),
    /** Where forced unregistrations go; absent = no route gets the control endpoint. */
    registrarControl: z
      .object({
        /** https only: the API refuses plain http except on loopback, which Lambda cannot reach. */
        url: z.url({ protocol: /^https$/ }),
        /** Secret holding the control token; absent = the stack creates one. */
        tokenSecretArn: secretArn.optional(),
      })
      .optional(),
    /**
     * The customer-managed KMS key encrypting the stage's secrets: the secrets the stack
     * creates use it, imported ones are expected to; the functions that read a secret get
     * kms:Decrypt on it (through Secrets Manager only). Absent = the aws/secretsmanager key.
     */
    secretsKmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, 'a KMS key ARN').optional(),
    /**
     * A production stage: synth refuses placeholder operator settings (alarm e-mail,
     * registrar control URL), see productionProblems.
     */
    production: z.boolean().default(false),
    /** AWS Backup of the table (daily), on top of point-in-time recovery. */
    backup: z
      .object({
        /** How long each daily recovery point is kept. */
        retentionDays: z.number().int().min(1).max(36_500),
        /** A copy of each recovery point in a vault of another region or account. */
        copyTo: z
          .object({
            vaultArn: z.string().regex(/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:.+$/, 'a backup vault ARN'),
            /** Default: retentionDays. */
            retentionDays: z.number().int().min(1).max(36_500).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    corsAllowedOrigins: z.array(z.string().min(1)).default([]),
    alarms: z
      .object({
        /** Publish alarms to this existing topic instead of one the stack creates. */
        topicArn: z.string().startsWith('arn:').optional(),
        /** Subscribe this address to the alarm topic (needs a confirmation click). */
        email: z.email().optional(),
      })
      .default({}),
    registrationRetentionDays: z.number().int().min(1).max(3650).default(7),
  })
  .strict();

export type StageSettings = z.output<typeof stageSchema>;

export interface StageConfig extends StageSettings {
  stage: string;
  stackName: string;
  tableName: string;
}

const stageName = z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'lowercase letters, digits and dashes');

/**
 * The stage's settings from the `stages` context map (cdk.json), validated. A new stage is a
 * new entry in that map; nothing in code names a stage.
 */
export function stageConfig(stages: unknown, requested: unknown): StageConfig {
  const map = z.record(z.string(), z.unknown()).safeParse(stages);
  if (!map.success) throw new Error('cdk.json context "stages" must be an object of stage settings');
  const name = stageName.safeParse(requested ?? 'dev');
  if (!name.success) throw new Error(`Invalid stage name ${JSON.stringify(requested)}: ${name.error.issues[0]?.message}`);
  const raw = map.data[name.data];
  if (raw === undefined) {
    const known = Object.keys(map.data).join(', ') || '(none)';
    throw new Error(`Unknown stage "${name.data}". Known stages: ${known}. Add it to "stages" in cdk.json.`);
  }
  const parsed = stageSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(stage)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid settings for stage "${name.data}" in cdk.json:\n${problems}`);
  }
  return {
    ...parsed.data,
    stage: name.data,
    stackName: parsed.data.stackName ?? `SipRegistry-${name.data}`,
    tableName: parsed.data.tableName ?? `sip-registry-${name.data}`,
  };
}

/** Documentation domains and reserved names (RFC 2606): never a real operator's address. */
const PLACEHOLDER_HOST = /(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$/i;
const placeholderHost = (host: string) => PLACEHOLDER_HOST.test(host) || /change-?me|replace|placeholder|todo/i.test(host);

/**
 * What keeps a production stage from being deployed as configured: an alarm nobody receives,
 * a registrar control endpoint that does not exist. Empty for other stages.
 */
export function productionProblems(stage: StageConfig): string[] {
  if (!stage.production) return [];
  const problems: string[] = [];
  const email = stage.alarms.email;
  if (!email && !stage.alarms.topicArn) problems.push('alarms.email is unset (and no alarms.topicArn): nobody would receive an alarm');
  else if (email && placeholderHost(email.split('@')[1] ?? '')) problems.push(`alarms.email "${email}" is a placeholder address`);
  if (stage.registrarControl && placeholderHost(new URL(stage.registrarControl.url).hostname)) {
    problems.push(`registrarControl.url "${stage.registrarControl.url}" is a placeholder host`);
  }
  return problems;
}
