/**
 * Builds the stack the way `cdk synth` does (cdk.json context, cdk-nag plugin) but with placeholder code, so no
 * esbuild runs; one test in stack.test.ts bundles for real.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CONFIG_FILE_KEY, configFromContext } from '../../infra/context';
import { EipKeeperStack, type EipKeeperStackProps, REPO_ROOT } from '../../infra/stack';
import type { AppConfig } from '../../shared/config/schema';

/** The context cdk.json gives `cdk synth`. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(`${REPO_ROOT}cdk.json`, 'utf8')).context;
}

/**
 * cdk.json's context without the configuration file it names: that file is the deployment's, and a test must not
 * depend on what someone keeps in it. A test that wants a file passes `eip-keeper:configFile` with `files`.
 */
export function testContext(): Record<string, unknown> {
  const { [CONFIG_FILE_KEY]: _file, ...rest } = cdkJsonContext();
  return rest;
}

export const placeholderCode = () => lambda.Code.fromInline('export const handler = async () => {};');

const outdirs: string[] = [];

/** Removes the cloud assemblies the tests wrote (call in afterAll). */
export function removeAssemblies(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Synth {
  app: App;
  stack: EipKeeperStack;
  template: Template;
  /** The configuration the context gave the stack. */
  config: AppConfig;
}

/**
 * Synthesizes with `flags` as `-c` flags on top of cdk.json (`testContext`); `props` override stack props.
 * `nag: false` skips the cdk-nag plugin (tests that only read the template); `files` are the files the context may
 * name (path → content), in place of the disk.
 */
export function synth(
  flags: Record<string, unknown> = {},
  props: Partial<EipKeeperStackProps> = {},
  env: EipKeeperStackProps['env'] = { account: '123456789012', region: 'eu-west-1' },
  { nag = true, files }: { nag?: boolean; files?: Record<string, string> } = {},
): Synth {
  const context = { ...testContext(), ...flags };
  const outdir = mkdtempSync(join(tmpdir(), 'eip-keeper-cdk-'));
  outdirs.push(outdir);
  const app = new App({ context, outdir });
  const readFile = (p: string) => {
    if (!files) return readFileSync(p, 'utf8');
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
    return text;
  };
  const { config } = configFromContext(app.node.getAllContext(), readFile);
  const stack = new EipKeeperStack(app, 'EipKeeper', { env, config, codeFor: placeholderCode, ...props });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack), config };
}

export interface NagViolation {
  ruleName: string;
  severity: string;
  paths: string[];
}

/** Every cdk-nag (AWS Solutions) error or warning that is not acknowledged. */
export function nagViolations(app: App): NagViolation[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations.map((v) => ({
    ruleName: v.ruleName,
    severity: String(v.severity),
    paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? '?'),
  }));
}

/** Every acknowledgement (id → reason) recorded in the tree. */
export function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  const out: Array<{ path: string; id: string; reason: string }> = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: c.node.path, id, reason });
      }
    }
  }
  return out;
}

/** The exempt tag key EVERY_SWITCH_ON configures. */
export const EXEMPT_TAG_KEY = 'do-not-release';

/**
 * `-c` flags that turn on every configuration switch that deploys a statement: release, the Pricing API, a pool that
 * allocates on exhaustion, an exempt tag key, the auditor's egress proof, Security Hub findings, and a configuration
 * long enough to live in SSM.
 */
export const EVERY_SWITCH_ON: Record<string, unknown> = {
  pools: JSON.stringify(
    Array.from({ length: 20 }, (_, i) => ({
      name: `partner-${i}`,
      cluster: 'prod',
      vpcId: 'vpc-0123456789abcdef0',
      members: [`198.51.100.${i + 1}`],
      allocateOnExhaustion: i === 0,
      selector: { securityGroupIds: ['sg-0123456789abcdef0'], descriptionPrefix: 'aws-k8s-branch-eni' },
    })),
  ),
  'sweeper.release.enabled': true,
  'sweeper.usePricingApi': true,
  'sweeper.exemptTagKeys': JSON.stringify([EXEMPT_TAG_KEY]),
  'audit.egressProof.enabled': true,
  'securityHub.enabled': true,
};

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** The identity-policy statements of each function's role, by function id (`<id>Role…` logical ids). */
export function roleStatements(
  template: Template,
  functionIds: readonly string[],
): Map<string, PolicyStatement[]> {
  const out = new Map<string, PolicyStatement[]>();
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = asArray(policy.Properties.Roles as { Ref: string } | Array<{ Ref: string }>);
    for (const { Ref } of roles) {
      const id = functionIds.find((f) => new RegExp(`^${f}Role[0-9A-F]{8}$`).test(Ref));
      if (!id) throw new Error(`policy attached to a role of no catalog function: ${Ref}`);
      out.set(id, [
        ...(out.get(id) ?? []),
        ...(policy.Properties.PolicyDocument.Statement as PolicyStatement[]),
      ]);
    }
  }
  return out;
}

/** Actions an identity statement list allows (Effect Allow), whatever the resource or condition. */
export function allowedActions(statements: readonly PolicyStatement[]): Set<string> {
  return new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action)));
}
