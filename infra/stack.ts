/**
 * eip-keeper in one region as this repository deploys it: a Stack holding the EipKeeper construct
 * (infra/constructs/eip-keeper.ts) with the configuration the app read from eip-keeper.yaml and `-c` flags.
 *
 * The construct's id is `Default`, which CDK leaves out of logical ids: every resource keeps the logical id it had
 * when the stack defined it directly, so an update changes nothing in a deployed stack.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AppConfig } from '../shared/config/schema';
import { packageRoot } from '../shared/runtime/package-root';
import { EipKeeper, type EipKeeperProps } from './constructs/eip-keeper';

export {
  ConfigTooLargeError,
  INLINE_CONFIG_MAX_CHARS,
  type StackEnvironment,
} from './constructs/eip-keeper';

/** The repository root: function entries in the catalog are relative to it. */
export const REPO_ROOT = `${packageRoot()}/`;

/** The id that keeps the construct out of the resources' logical ids (CDK's `Default`). */
export const KEEPER_CONSTRUCT_ID = 'Default';

export interface EipKeeperStackProps
  extends StackProps,
    Pick<EipKeeperProps, 'functions' | 'codeFor' | 'projectRoot' | 'logRetention'> {
  /** The validated configuration (infra/context.ts). */
  readonly config: AppConfig;
}

export class EipKeeperStack extends Stack {
  readonly keeper: EipKeeper;

  constructor(scope: Construct, id: string, props: EipKeeperStackProps) {
    super(scope, id, props);
    const { config, functions, codeFor, projectRoot, logRetention } = props;
    this.keeper = new EipKeeper(this, KEEPER_CONSTRUCT_ID, {
      config,
      functions,
      codeFor,
      projectRoot: projectRoot ?? REPO_ROOT,
      logRetention,
    });
  }

  get table() {
    return this.keeper.table;
  }
  get key() {
    return this.keeper.key;
  }
  get topic() {
    return this.keeper.topic;
  }
  get killSwitchArn() {
    return this.keeper.killSwitchArn;
  }
  get configParameter() {
    return this.keeper.configParameter;
  }
  get configInline() {
    return this.keeper.configInline;
  }
  get functions() {
    return this.keeper.functions;
  }
  get financeDashboard() {
    return this.keeper.financeDashboard;
  }
  get alarms() {
    return this.keeper.alarms;
  }
  get securityDashboard() {
    return this.keeper.securityDashboard;
  }
}
