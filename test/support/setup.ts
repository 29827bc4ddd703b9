import { inject } from 'vitest';
import { configure } from '../../shared/config.js';
import { routes } from '../../shared/routes/index.js';
import { tableConfig, tableEnvironment } from '../../shared/routes/tableSummary.js';

// The configuration handlers run with, passed explicitly (shared/config.ts); tests change
// parts of it with updateConfig. The variables stay set for what runs in child processes
// (bundles, the fuzzer's token forger).
const dynamodbEndpoint = inject('dynamodbEndpoint');
const tableName = inject('tableName');
const pageTokenSecret = 'test-page-token-secret';
configure({
  stage: 'test',
  tableName,
  dynamodbEndpoint,
  region: 'us-east-1',
  sipDomainSuffix: 'sip.test',
  pageTokenSecret,
  authCacheSeconds: 10,
  maxBodyBytes: 64 * 1024,
  registrarSecrets: [],
  registrationRetentionDays: 7,
  // The fallback's route table and GET /v1.0/me's permissions, as CDK computes them.
  ...tableConfig(routes),
});
process.env.DYNAMODB_ENDPOINT = dynamodbEndpoint;
process.env.TABLE_NAME = tableName;
process.env.AWS_REGION = 'us-east-1';
process.env.STAGE = 'test';
process.env.SIP_DOMAIN_SUFFIX = 'sip.test';
process.env.PAGE_TOKEN_SECRET = pageTokenSecret;
Object.assign(process.env, tableEnvironment(routes));
process.env.LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
