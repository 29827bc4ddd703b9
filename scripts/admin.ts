import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage = `Usage: npm run admin -- customer create --name NAME [--stage STAGE] [--region REGION]

Creates a customer with a first access key and prints both as JSON (the key's token is
shown only here).

  --name NAME       the customer's display name (required)
  --stage STAGE     a deployed stage from cdk.json (dev, prod, ...): the table is found in the
                    stack outputs with your AWS credentials. Without it, the local stack that
                    npm start runs: its DynamoDB Local and table, as it recorded them in
                    .data/stack.json (LOCAL_DATA_DIR for another data folder). DYNAMODB_ENDPOINT
                    (with TABLE_NAME) names another local database explicitly.
  --region REGION   AWS region of the stage (default: AWS_REGION or your profile's region)
  -h, --help        this text
`;

class UsageError extends Error {}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Target {
  stage: string;
  tableName: string;
  endpoint?: string;
}

/**
 * The local database: DYNAMODB_ENDPOINT when given, else the one the running npm start
 * recorded in its data folder. Never a guessed port: 8000 may be somebody else's database.
 */
async function localTarget(): Promise<Target> {
  if (!process.env.DYNAMODB_ENDPOINT) {
    const { runningStack, stackFile } = await import('../local/stack.js');
    const stack = runningStack();
    if (!stack?.dynamodb || stack.state !== 'running') {
      throw new Error(
        `no local stack runs (${stackFile()} names no live npm start): start one with npm start ` +
          '(LOCAL_DATA_DIR if it uses another data folder), or use --stage STAGE, or set DYNAMODB_ENDPOINT.',
      );
    }
    process.env.DYNAMODB_ENDPOINT = stack.dynamodb.endpoint;
    process.env.TABLE_NAME = stack.dynamodb.table;
    process.env.AWS_REGION = stack.dynamodb.region;
  }
  process.env.TABLE_NAME ||= 'sip-registry-local';
  process.env.AWS_REGION ||= 'us-east-1';
  return { stage: 'local', tableName: process.env.TABLE_NAME, endpoint: process.env.DYNAMODB_ENDPOINT };
}

/** The stage's table, from its stack's TableName output (needs cloudformation:DescribeStacks). */
async function stageTarget(stageName: string, region: string | undefined): Promise<Target> {
  const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8'));
  const { stageConfig } = await import('../infra/stageConfig.js');
  let stackName: string;
  try {
    stackName = stageConfig(cdkJson.context?.stages, stageName).stackName;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cloudformation = new CloudFormationClient(region ? { region } : {});
  let outputs;
  try {
    const reply = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = reply.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(`Cannot read stack ${stackName}${region ? ` in ${region}` : ''}: ${message}. Is the stage deployed, and are your AWS credentials and region set?`);
  }
  const tableName = outputs.find((o) => o.OutputKey === 'TableName')?.OutputValue;
  if (!tableName) throw new Error(`Stack ${stackName} has no TableName output; deploy the stage first.`);
  delete process.env.DYNAMODB_ENDPOINT;
  process.env.TABLE_NAME = tableName;
  process.env.AWS_REGION = await cloudformation.config.region();
  cloudformation.destroy();
  return { stage: stageName, tableName };
}

async function createCustomerCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
    },
    strict: true,
  });
  const name = values.name?.trim();
  if (!name) throw new UsageError('--name is required');
  const target = values.stage ? await stageTarget(values.stage, values.region) : await localTarget();
  // Imported only now: the store reads TABLE_NAME / DYNAMODB_ENDPOINT / AWS_REGION set above.
  const { createCustomer } = await import('../shared/domain/customers.js');
  const where = target.endpoint ? `table ${target.tableName} at ${target.endpoint}` : `table ${target.tableName} (${target.stage})`;
  const created = await createCustomer(name).catch((error: Error) => {
    const hint = target.endpoint ? ' Is the local DynamoDB running (npm start)?' : '';
    throw new Error(`Cannot create the customer in ${where}: ${error.message}.${hint}`);
  });
  const { customer, accessKey } = created;
  console.log(JSON.stringify({ stage: target.stage, table: target.tableName, customer, access_key: accessKey }, null, 2));
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    (argv.length === 0 ? console.error : console.log)(usage);
    return argv.length === 0 ? 2 : 0;
  }
  const [area, command, ...rest] = argv;
  try {
    if (area === 'customer' && command === 'create') {
      await createCustomerCommand(rest);
      return 0;
    }
    throw new UsageError(`Unknown command: ${[area, command].filter(Boolean).join(' ')}`);
  } catch (error) {
    const usageError = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`admin: ${(error as Error).message}`);
    if (usageError) console.error(`\n${usage}`);
    return usageError ? 2 : 1;
  }
}

// The SDK's Node 20 end-of-support notice is not the operator's problem here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await main(process.argv.slice(2));
