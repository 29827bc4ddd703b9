import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configFromEnvironment, type RuntimeConfig } from '../shared/config.js';
import { routes } from '../shared/routes/index.js';
import { tableEnvironment } from '../shared/routes/tableSummary.js';

export const projectRoot = resolve(import.meta.dirname, '..');
/** LOCAL_DATA_DIR: another data folder (relative to the project, or absolute): a second, throwaway local stack. */
export const dataDir = resolve(projectRoot, process.env.LOCAL_DATA_DIR ?? '.data');

/**
 * Local-only state kept in the git-ignored .data folder: ids and generated secrets that
 * must survive a restart (the printed access key, the page token key, the registrar secret).
 */
export interface LocalSettings {
  customerId: string;
  generatedAccessKey?: string;
  pageTokenSecret: string;
  registrarSecret: string;
  /** Bearer token of Kamailio's control channel (npm start's registrar, npm run registrar; docs/registrar.md). */
  registrarControlToken: string;
}

const file = resolve(dataDir, 'local.json');

export function loadLocalSettings(newCustomerId: () => string): LocalSettings {
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as LocalSettings;
    // Files written before the control token existed get one now.
    if (stored.registrarControlToken) return stored;
    const upgraded = { ...stored, registrarControlToken: randomBytes(32).toString('base64url') };
    saveLocalSettings(upgraded);
    return upgraded;
  }
  const settings: LocalSettings = {
    customerId: newCustomerId(),
    pageTokenSecret: randomBytes(32).toString('base64url'),
    registrarSecret: randomBytes(32).toString('base64url'),
    registrarControlToken: randomBytes(32).toString('base64url'),
  };
  saveLocalSettings(settings);
  return settings;
}

export function saveLocalSettings(settings: LocalSettings) {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The local stack's variables, as the CDK stack sets them on Lambda (plus the local-only
 * ones: the endpoint, the keys themselves instead of ARNs); kept in the environment for the
 * processes npm start runs (Kamailio's config) and turned into the handlers' configuration by localConfig.
 */
export function localEnvironment(settings: LocalSettings, dynamodbEndpoint: string): Record<string, string> {
  return {
    STAGE: 'local',
    TABLE_NAME: process.env.TABLE_NAME ?? 'sip-registry-local',
    DYNAMODB_ENDPOINT: dynamodbEndpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    SIP_DOMAIN_SUFFIX: process.env.SIP_DOMAIN_SUFFIX ?? 'sip.local',
    PAGE_TOKEN_SECRET: settings.pageTokenSecret,
    REGISTRAR_SECRETS: process.env.REGISTRAR_SECRETS ?? settings.registrarSecret,
    // REGISTRAR_CONTROL_URL is npm start's to set: its own Kamailio's control channel, or
    // none (records-only deletes); see local/start.ts.
    REGISTRAR_CONTROL_TOKEN: process.env.REGISTRAR_CONTROL_TOKEN ?? settings.registrarControlToken,
    // ROUTE_TABLE and ACCESS_KEY_PERMISSIONS, from the table as CDK computes them.
    ...tableEnvironment(routes),
  };
}

/** The configuration the local gateway's handlers run with (shared/config.ts), from localEnvironment. */
export function localConfig(environment: Record<string, string | undefined>): RuntimeConfig {
  return configFromEnvironment(environment);
}
