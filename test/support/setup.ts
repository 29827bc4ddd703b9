import { inject } from 'vitest';

process.env.DYNAMODB_ENDPOINT = inject('dynamodbEndpoint');
process.env.TABLE_NAME = inject('tableName');
process.env.AWS_REGION = 'us-east-1';
process.env.STAGE = 'test';
process.env.SIP_DOMAIN_SUFFIX = 'sip.test';
process.env.PAGE_TOKEN_SECRET = 'test-page-token-secret';
process.env.LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
