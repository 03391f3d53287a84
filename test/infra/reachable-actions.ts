/**
 * The AWS API actions a function's code can call, read from the source files its handler bundles: esbuild resolves
 * the import graph from the catalog entry (AWS SDK packages left external), and every `XxxCommand` or `paginateXxx`
 * imported from an `@aws-sdk/*` client in a reached file is an action of that service. An EC2 call with
 * `TagSpecifications` also needs `ec2:CreateTags` (tags on create are authorized as CreateTags). A DynamoDB
 * transaction is no IAM action of its own: each of its items is authorized as its action (a `Put:` item as
 * `dynamodb:PutItem`, …; DynamoDB Developer Guide, "Using IAM with DynamoDB transactions").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../infra/stack';

/** IAM service prefix of each AWS SDK package the project imports. */
const SERVICE_OF_PACKAGE: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-eks': 'eks',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-pricing': 'pricing',
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-securityhub': 'securityhub',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-ssm': 'ssm',
};

/**
 * lib-dynamodb's document commands → the DynamoDB operation (and IAM action) each one sends; '' for a transaction,
 * whose items are authorized one by one (TRANSACTION_ITEM).
 */
const DOCUMENT_COMMANDS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: '',
  TransactWrite: '',
};

/** A transaction item in source (`{ Put: {…} }`, `Update: episodeUpdate(…)`) → the IAM action it is authorized as. */
const TRANSACTION_ITEM = /\b(Put|Update|Delete|ConditionCheck|Get)\s*:\s*[\w{]/g;

export interface ReachableCalls {
  /** Repository-relative source files the handler bundles. */
  files: string[];
  /** IAM actions (`service:Action`) the code can call. */
  actions: Set<string>;
  /** Some reached file queries a secondary index (needs the index ARN). */
  queriesIndex: boolean;
}

/** Imported names per AWS SDK package in one source file (static imports and the runtime's packages). */
function sdkImports(source: string): Array<{ pkg: string; names: string[] }> {
  const out: Array<{ pkg: string; names: string[] }> = [];
  const split = (list: string) =>
    list
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n && !n.startsWith('type '));
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/[\w-]+)'/g)) {
    out.push({ pkg: m[2] as string, names: split(m[1] as string) });
  }
  // Packages loaded from the Lambda runtime (shared/aws/runtime-sdk.ts): destructured from `importRuntimeSdk(…)`, or
  // the commands an adapter is given, named in its `Pick<RuntimeSdk['…'], '…' | '…'>` type.
  for (const m of source.matchAll(
    /const\s*\{([^}]*)\}\s*=\s*await importRuntimeSdk\(\s*'(@aws-sdk\/[\w-]+)'/g,
  )) {
    out.push({ pkg: m[2] as string, names: split(m[1] as string) });
  }
  for (const m of source.matchAll(/Pick<\s*RuntimeSdk\['(@aws-sdk\/[\w-]+)'\],\s*([^>]*)>/g)) {
    out.push({
      pkg: m[1] as string,
      names: [...(m[2] as string).matchAll(/'(\w+)'/g)].map((n) => n[1] as string),
    });
  }
  return out;
}

function actionsIn(source: string): string[] {
  const actions: string[] = [];
  for (const { pkg, names } of sdkImports(source)) {
    const service = SERVICE_OF_PACKAGE[pkg];
    if (!service) continue;
    for (const name of names) {
      const command = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
      if (!command) continue;
      const action = pkg === '@aws-sdk/lib-dynamodb' ? DOCUMENT_COMMANDS[command] : command;
      if (action === undefined) throw new Error(`no IAM action known for ${name} of ${pkg}`);
      if (action) actions.push(`${service}:${action}`);
    }
  }
  const dynamodb = sdkImports(source).some(({ pkg }) => SERVICE_OF_PACKAGE[pkg] === 'dynamodb');
  if (dynamodb || /\bTransactItems\b/.test(source)) {
    for (const m of source.matchAll(TRANSACTION_ITEM)) actions.push(`dynamodb:${m[1]}Item`);
  }
  const ec2 = sdkImports(source).some(({ pkg }) => pkg === '@aws-sdk/client-ec2');
  if (ec2 && /\bTagSpecifications\s*:/.test(source)) actions.push('ec2:CreateTags');
  if (actions.includes('ec2:StartNetworkInsightsAnalysis')) actions.push(...REACHABILITY_ANALYSIS_READS);
  return actions;
}

/**
 * What a Reachability Analyzer analysis reads with the caller's permissions ("Required API permissions for
 * Reachability Analyzer"): AWS Tiros, and the describe calls of the components on an ENI-to-internet-gateway path.
 */
const REACHABILITY_ANALYSIS_READS = [
  'tiros:CreateQuery',
  'tiros:GetQueryAnswer',
  'tiros:GetQueryExplanation',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeNetworkAcls',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeNatGateways',
  'ec2:DescribeVpcs',
  'ec2:DescribeAddresses',
  'ec2:DescribeSubnets',
  'ec2:DescribeRouteTables',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeInstances',
];

/** What the handler at `entry` (repository-relative) can call. */
export async function reachableCalls(entry: string): Promise<ReachableCalls> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const files = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
  const actions = new Set<string>();
  let queriesIndex = false;
  for (const file of files) {
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const action of actionsIn(source)) actions.add(action);
    if (/\bIndexName\s*:/.test(source)) queriesIndex = true;
  }
  return { files, actions, queriesIndex };
}
