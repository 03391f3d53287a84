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
import { configFromContext } from '../../infra/context';
import { EipKeeperStack, type EipKeeperStackProps, REPO_ROOT } from '../../infra/stack';

/** The context `cdk synth` passes: cdk.json's, plus `-c` flags. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(`${REPO_ROOT}cdk.json`, 'utf8')).context;
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
}

/** Synthesizes with `flags` as `-c` flags on top of cdk.json; `props` override stack props. */
export function synth(
  flags: Record<string, unknown> = {},
  props: Partial<EipKeeperStackProps> = {},
  env: EipKeeperStackProps['env'] = { account: '123456789012', region: 'eu-west-1' },
): Synth {
  const context = { ...cdkJsonContext(), ...flags };
  const outdir = mkdtempSync(join(tmpdir(), 'eip-keeper-cdk-'));
  outdirs.push(outdir);
  const app = new App({ context, outdir });
  const { config } = configFromContext(app.node.getAllContext(), (p) => readFileSync(p, 'utf8'));
  const stack = new EipKeeperStack(app, 'EipKeeper', { env, config, codeFor: placeholderCode, ...props });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: Template.fromStack(stack) };
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
