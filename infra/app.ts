/**
 * The CDK app: reads and validates the configuration from context (infra/context.ts), deploys one EipKeeperStack
 * into the account/region of the current credentials, and checks it with cdk-nag (AWS Solutions pack).
 * An invalid configuration stops synth with a message naming the key.
 */
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidConfigError } from '../shared/config/schema';
import { CONFIG_ROOT_KEYS, configFromContext } from './context';
import { UnscopedPermissionError, WildcardActionError } from './permissions';
import { ConfigTooLargeError, EipKeeperStack } from './stack';

/** Errors that are the user's or the catalog's to fix: their message says what, a stack trace adds nothing. */
const EXPECTED_ERRORS = [
  InvalidConfigError,
  ConfigTooLargeError,
  UnscopedPermissionError,
  WildcardActionError,
];

const STACK_NAME = 'EipKeeper';

const app = new App();
try {
  const { config, ignoredKeys } = configFromContext(app.node.getAllContext(), (path) =>
    readFileSync(path, 'utf8'),
  );
  for (const key of ignoredKeys) {
    console.warn(
      `eip-keeper: context key "${key}" is not configuration (not under ${CONFIG_ROOT_KEYS.join(', ')}); ignored`,
    );
  }
  new EipKeeperStack(app, STACK_NAME, {
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
