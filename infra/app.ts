/**
 * The CDK app: reads and validates the configuration (the file cdk.json names, and any `-c` overrides:
 * infra/context.ts), deploys one EipKeeperStack into the account/region of the current credentials, and checks it
 * with cdk-nag (AWS Solutions pack). An invalid configuration or an unknown context key stops synth with a message
 * naming the key.
 */
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_STACK_NAME } from '../shared/config/deployment';
import { InvalidConfigError } from '../shared/config/schema';
import { CONFIG_FILE_KEY, configFromContext } from './context';
import { UnscopedPermissionError, WildcardActionError } from './permissions';
import { ConfigTooLargeError, EipKeeperStack } from './stack';

/** Errors that are the user's or the catalog's to fix: their message says what, a stack trace adds nothing. */
const EXPECTED_ERRORS = [
  InvalidConfigError,
  ConfigTooLargeError,
  UnscopedPermissionError,
  WildcardActionError,
];

const app = new App();
try {
  const { config, file, overrides } = configFromContext(app.node.getAllContext(), (path) =>
    readFileSync(path, 'utf8'),
  );
  if (!file) {
    console.warn(`eip-keeper: cdk.json names no ${CONFIG_FILE_KEY}: deploying the default configuration`);
  }
  if (overrides.length > 0) {
    const these = overrides.length === 1 ? 'this setting' : 'these settings';
    console.warn(
      `eip-keeper: ${overrides.map((o) => `-c ${o}`).join(' ')}: for this deploy only, over ${file ?? 'the defaults'}. ` +
        `The next deploy without the flag goes back to the file: put ${these} in ${file ?? 'the file'} to keep ${overrides.length === 1 ? 'it' : 'them'}.`,
    );
  }
  new EipKeeperStack(app, DEFAULT_STACK_NAME, {
    description:
      'eip-keeper: keeps allowlisted EIPs on EKS pod ENIs, reclaims orphaned EIPs safely, audits readiness',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    config,
  });
} catch (err) {
  if (EXPECTED_ERRORS.some((type) => err instanceof type)) {
    console.error((err as Error).message);
    process.exit(1);
  }
  throw err;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
