/**
 * The policies the stack deploys, for one configuration: `EipKeeperStack` is synthesized exactly as `cdk synth`
 * builds it (cdk.json's context, the same constructs) but with placeholder code, so no bundling runs. Read from the
 * template: each function role's identity statements and the resource policies of the topic, the key and the queues,
 * still holding CloudFormation tokens; `resolveStackPolicies` turns the tokens into the simulated region's ARNs.
 *
 * Synthesis takes seconds, so it happens once per configuration, account and region: kept in memory for the process
 * and on disk for the next ones (template-cache.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import type { AppConfig } from '../../shared/config/schema';
import { functionRoleName } from '../core/identities';
import { type PhysicalNames, resolveIntrinsics, UnresolvableTokenError } from './intrinsics';
import type { PolicyDocument } from './policy';
import { readCached, writeCached } from './template-cache';

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** The synthesized template's resources, and which function each role belongs to. */
export interface StackTemplate {
  resources: Record<string, TemplateResource>;
  /** Role logical id → function id (`SweeperRole6226D845` → `Sweeper`). */
  roleFunctions: Record<string, string>;
  /** Function id → logical id of its on-failure (async) dead-letter queue. */
  asyncDlqs: Record<string, string>;
}

/** Inline code for every function: the template's policies do not depend on the code. */
const PLACEHOLDER_CODE = 'export const handler = async () => {};';

async function synthesize(config: AppConfig, accountId: string, region: string): Promise<StackTemplate> {
  const [{ App }, lambda, { EipKeeperStack, REPO_ROOT }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/aws-lambda'),
    import('../../infra/stack'),
  ]);
  // cdk.json's feature flags shape the policies (aws-iam:minimizePolicies merges statements).
  const context = JSON.parse(readFileSync(`${REPO_ROOT}cdk.json`, 'utf8')).context as Record<string, unknown>;
  const outdir = mkdtempSync(join(tmpdir(), 'eip-keeper-iam-'));
  try {
    const app = new App({ context, outdir });
    const stack = new EipKeeperStack(app, 'EipKeeper', {
      env: { account: accountId, region },
      config,
      codeFor: () => lambda.Code.fromInline(PLACEHOLDER_CODE),
    });
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, TemplateResource>;
    };
    const roleFunctions: Record<string, string> = {};
    const asyncDlqs: Record<string, string> = {};
    for (const fn of stack.functions) {
      const logicalId = (c: unknown) => stack.getLogicalId(c as CfnElement);
      roleFunctions[logicalId(fn.role.node.defaultChild)] = fn.spec.id;
      asyncDlqs[fn.spec.id] = logicalId(fn.asyncDlq.node.defaultChild);
    }
    return { resources: template.Resources, roleFunctions, asyncDlqs };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const cache = new Map<string, Promise<StackTemplate>>();

/** The stack's template for this configuration in this account and region (synthesized once per process). */
export function stackTemplate(config: AppConfig, accountId: string, region: string): Promise<StackTemplate> {
  const inputs = [config, accountId, region];
  const key = JSON.stringify(inputs);
  let found = cache.get(key);
  if (!found) {
    const cached = readCached<StackTemplate>(inputs);
    found = cached
      ? Promise.resolve(cached)
      : synthesize(config, accountId, region).then((t) => {
          writeCached(inputs, t);
          return t;
        });
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}

/** The names the simulated region gives the stack's resources it serves itself. */
export interface RegionResourceNames {
  partition: string;
  region: string;
  accountId: string;
  tableName: string;
  topicArn: string;
}

/** A function role's policies, and the resource policies, with real ARNs. */
export interface StackPolicies {
  /** Function id → the identity policies of its role. */
  roles: Map<string, { roleArn: string; policies: PolicyDocument[] }>;
  /** Resource ARN → its resource policy (topic, key, queues). */
  resourcePolicies: Map<string, PolicyDocument>;
  /** Topic ARN → the ARN of the KMS key that encrypts it. */
  topicKeys: Map<string, string>;
  /** Function id → its on-failure dead-letter queue and the key that encrypts the queue. */
  deadLetterQueues: Map<string, { queueArn: string; keyArn?: string }>;
}

/** A UUID-shaped id derived from a logical id, so a key's ARN is the same in every run. */
function stableId(logicalId: string): string {
  const h = createHash('sha256').update(logicalId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function physicalNames(t: StackTemplate, r: RegionResourceNames): PhysicalNames {
  const { partition, region, accountId } = r;
  const typeOf = (id: string) => {
    const res = t.resources[id];
    if (!res) throw new UnresolvableTokenError(`no resource ${id} in the template`);
    return res.Type;
  };
  const nameOf = (id: string): string => {
    const fn = t.roleFunctions[id];
    if (fn) return functionRoleName(fn);
    const props = t.resources[id]?.Properties ?? {};
    const given = props.Name ?? props.QueueName ?? props.TopicName ?? props.LogGroupName ?? props.RoleName;
    return typeof given === 'string' ? given : `EipKeeper-${id}`;
  };
  const ref = (id: string): string => {
    switch (typeOf(id)) {
      case 'AWS::DynamoDB::Table':
        return r.tableName;
      case 'AWS::SNS::Topic':
        return r.topicArn;
      case 'AWS::KMS::Key':
        return stableId(id);
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${accountId}/${nameOf(id)}`;
      default:
        return nameOf(id);
    }
  };
  const arns: Record<string, (id: string) => string> = {
    'AWS::DynamoDB::Table': () => `arn:${partition}:dynamodb:${region}:${accountId}:table/${r.tableName}`,
    'AWS::SNS::Topic': () => r.topicArn,
    'AWS::KMS::Key': (id) => `arn:${partition}:kms:${region}:${accountId}:key/${stableId(id)}`,
    'AWS::SQS::Queue': (id) => `arn:${partition}:sqs:${region}:${accountId}:${nameOf(id)}`,
    'AWS::IAM::Role': (id) => `arn:${partition}:iam::${accountId}:role/${nameOf(id)}`,
    'AWS::Logs::LogGroup': (id) => `arn:${partition}:logs:${region}:${accountId}:log-group:${nameOf(id)}:*`,
    'AWS::Lambda::Function': (id) => `arn:${partition}:lambda:${region}:${accountId}:function:${nameOf(id)}`,
    'AWS::Events::Rule': (id) => `arn:${partition}:events:${region}:${accountId}:rule/${nameOf(id)}`,
    'AWS::CloudWatch::Alarm': (id) =>
      `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${nameOf(id)}`,
  };
  const getAtt = (id: string, attribute: string): string => {
    const type = typeOf(id);
    const arn = arns[type];
    if (attribute === 'Arn' && arn) return arn(id);
    if (type === 'AWS::SNS::Topic' && attribute === 'TopicArn') return r.topicArn;
    if (attribute.endsWith('Name')) return nameOf(id);
    throw new UnresolvableTokenError(`${type}.${attribute} (${id}) is not resolved in the simulated region`);
  };
  return { partition, region, accountId, ref, getAtt };
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The template's policies with every token resolved to the region's ARNs. */
export function resolveStackPolicies(t: StackTemplate, names: RegionResourceNames): StackPolicies {
  const n = physicalNames(t, names);
  const resolved = (v: unknown) => resolveIntrinsics(v, n);
  const roles: StackPolicies['roles'] = new Map();
  for (const [roleId, functionId] of Object.entries(t.roleFunctions)) {
    roles.set(functionId, { roleArn: n.getAtt(roleId, 'Arn'), policies: [] });
  }
  const resourcePolicies: StackPolicies['resourcePolicies'] = new Map();
  const topicKeys: StackPolicies['topicKeys'] = new Map();
  const addResourcePolicy = (targets: unknown, document: unknown, arnOf: (ref: string) => string) => {
    for (const target of asList(resolved(targets) as string | string[])) {
      resourcePolicies.set(arnOf(target), resolved(document) as PolicyDocument);
    }
  };
  for (const [id, res] of Object.entries(t.resources)) {
    const p = res.Properties ?? {};
    switch (res.Type) {
      case 'AWS::IAM::Policy':
        for (const role of asList(p.Roles as unknown[])) {
          const fn = t.roleFunctions[(role as { Ref?: string }).Ref ?? ''];
          if (fn) roles.get(fn)?.policies.push(resolved(p.PolicyDocument) as PolicyDocument);
        }
        break;
      case 'AWS::SNS::TopicPolicy':
        addResourcePolicy(p.Topics, p.PolicyDocument, (topicArn) => topicArn);
        break;
      case 'AWS::SQS::QueuePolicy':
        addResourcePolicy(p.Queues, p.PolicyDocument, (url) => {
          const [, , , account, queue] = url.split('/');
          return `arn:${names.partition}:sqs:${names.region}:${account}:${queue}`;
        });
        break;
      case 'AWS::KMS::Key':
        resourcePolicies.set(n.getAtt(id, 'Arn'), resolved(p.KeyPolicy) as PolicyDocument);
        break;
      case 'AWS::SNS::Topic':
        if (p.KmsMasterKeyId) topicKeys.set(n.ref(id), String(resolved(p.KmsMasterKeyId)));
        break;
    }
  }
  const deadLetterQueues: StackPolicies['deadLetterQueues'] = new Map();
  for (const [functionId, queueId] of Object.entries(t.asyncDlqs)) {
    const key = t.resources[queueId]?.Properties?.KmsMasterKeyId;
    deadLetterQueues.set(functionId, {
      queueArn: n.getAtt(queueId, 'Arn'),
      ...(key ? { keyArn: String(resolved(key)) } : {}),
    });
  }
  return { roles, resourcePolicies, topicKeys, deadLetterQueues };
}
