/**
 * eip-keeper in one account and region, as a construct: the table, the encrypted alert topic, the published
 * deployment (its configuration and where its table and topic are, in SSM, for the CLI), one EventFunction per entry
 * of the function catalog (shared/app/functions.ts), the alarms, the dashboards and the outputs. The kill switch is
 * an SSM parameter the Sweeper may read but that eip-keeper does not own (an operator creates it).
 *
 * A platform team may bring the topic, the KMS key or the table, and set a permissions boundary, a role-name prefix
 * and tags (docs/construct.md). Adding a capability means appending a FunctionSpec to FUNCTIONS; this file does not
 * change.
 */
import { CfnOutput, Fn, Stack, Tags } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { FUNCTIONS, type FunctionSpec, inventoryRecorder } from '../../shared/app/functions';
import { deploymentDocument, deploymentParameterName } from '../../shared/config/deployment';
import { ENV, inlineConfigEnvironment, type StackEnvironment } from '../../shared/config/environment';
import { type AppConfig, type AppConfigInput, parseAppConfig } from '../../shared/config/schema';
import { functionCodeSource } from '../lib/function-code';
import {
  externalResourceArns,
  mayReleaseAddresses,
  permissionsFor,
  type ResourceArns,
  releaseGuardStatements,
} from '../permissions';
import { OperationalAlarms } from './alarms';
import {
  allowAlarmsToPublish,
  allowFunctionsToPublish,
  allowServicesToUseKey,
  checkBroughtTable,
  createKey,
  createTable,
  createTopic,
} from './core-resources';
import { EventFunction, kebabCase } from './event-function';
import { FinanceDashboard } from './finance-dashboard';
import { HubForwarding } from './hub-forwarding';
import { roleNamer } from './role-names';
import { dashboardUrl, SecurityDashboard } from './security-dashboard';

/** Longer configuration JSON is read from the published parameter (Lambda's environment is 4 KB in total). */
export const INLINE_CONFIG_MAX_CHARS = 2000;
/** SSM String parameter limits: standard tier 4 KB, advanced tier 8 KB. */
const SSM_STANDARD_MAX_CHARS = 4096;
const SSM_ADVANCED_MAX_CHARS = 8192;
/** Room the published document needs besides the configuration: names, account, region, table, topic ARN. */
const DEPLOYMENT_DOCUMENT_OVERHEAD_CHARS = 600;

/** The environment every function gets (shared/config/environment.ts; Lambda sets AWS_REGION). */
export type { StackEnvironment };

export interface EipKeeperProps {
  /**
   * The configuration, exactly as eip-keeper.yaml holds it (shared/config/schema.ts; docs/deploy.md lists every key):
   * every key optional, the defaults filled in and the whole validated at synth.
   * @default the defaults: no pools, nothing released
   */
  readonly config?: AppConfigInput;
  /** An alert topic to publish to instead of creating one (its policy and key: docs/construct.md). */
  readonly alertTopic?: sns.ITopic;
  /** The KMS key of the dead-letter queues (and of the created topic). @default a new key with rotation */
  readonly encryptionKey?: kms.IKey;
  /** A table with the keys the functions use (PK, SK, GSI1 of GSI1PK, GSI1SK; docs/construct.md). */
  readonly table?: dynamodb.ITable;
  /** Set on every role eip-keeper creates. */
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /** Names every function role `<prefix><FunctionId>-<region>`. @default names CloudFormation generates */
  readonly roleNamePrefix?: string;
  /** Tags for every taggable resource eip-keeper creates. */
  readonly tags?: Readonly<Record<string, string>>;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
  /** @default FUNCTIONS, the catalog */
  readonly functions?: readonly FunctionSpec[];
  /** Code per function instead of the bundled handlers (tests). */
  readonly codeFor?: (spec: FunctionSpec) => lambda.Code;
  /** Where the catalog's TypeScript entries are, when bundled from source. @default the package root */
  readonly projectRoot?: string;
}

/** The configuration is too long even for an advanced SSM parameter. */
export class ConfigTooLargeError extends Error {
  override readonly name = 'ConfigTooLargeError';
  constructor(readonly length: number) {
    super(
      `eip-keeper configuration is ${length} characters as JSON; the SSM parameter holds at most ${SSM_ADVANCED_MAX_CHARS - DEPLOYMENT_DOCUMENT_OVERHEAD_CHARS} of configuration`,
    );
  }
}

export class EipKeeper extends Construct {
  /** The validated configuration, defaults filled in. */
  readonly config: AppConfig;
  readonly table: dynamodb.ITable;
  /** Encrypts the dead-letter queues (and the topic eip-keeper creates). */
  readonly key: kms.IKey;
  readonly topic: sns.ITopic;
  /**
   * The kill switch's ARN. The parameter is not eip-keeper's: an operator creates and flips it (docs/sweeper.md), so
   * no deploy, rollback or deletion ever writes or removes its value; the Sweeper may only read it, and reads a
   * missing one as "on".
   */
  readonly killSwitchArn: string;
  /** The published deployment, `/eip-keeper/<stack>/config` (shared/config/deployment.ts). */
  readonly configParameter: ssm.StringParameter;
  /** The functions get the configuration inline (EIP_KEEPER_CONFIG), not from the parameter. */
  readonly configInline: boolean;
  readonly functions: EventFunction[] = [];
  /** Present when the catalog deploys the Sweeper. */
  readonly financeDashboard?: FinanceDashboard;
  /** Heartbeats of the scheduled functions and pool exhaustion, on the alert topic. */
  readonly alarms: OperationalAlarms;
  /** Beside the finance one: alerts, refused events, releases and blocks, dead-letter queues. */
  readonly securityDashboard: SecurityDashboard;
  /** Present when `hub.eventBusArn` names the organization hub's bus (docs/hub.md). */
  readonly hubForwarding?: HubForwarding;

  constructor(scope: Construct, id: string, props: EipKeeperProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    // The published deployment is named after the stack: a second eip-keeper in it would overwrite the first's.
    if (stack.node.findAll().some((c) => c !== this && c instanceof EipKeeper)) {
      throw new Error(`eip-keeper: ${stack.stackName} already holds an EipKeeper; deploy one per stack`);
    }
    const config = parseAppConfig(props.config ?? {}, `${this.node.path} config`);
    this.config = config;
    this.key = props.encryptionKey ?? createKey(this);
    this.topic = props.alertTopic ?? createTopic(this, this.key);
    this.letServicesUseBrought(props);
    if (props.table) checkBroughtTable(props.table);
    this.table = props.table ?? createTable(this);
    if (config.alerts.email)
      this.topic.addSubscription(new subscriptions.EmailSubscription(config.alerts.email));
    this.killSwitchArn = `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${config.sweeper.killSwitchParameter}`;
    // The text the functions would read, and its digest: inline when short enough for the environment.
    const inlineConfig = inlineConfigEnvironment(config);
    const configChars = inlineConfig[ENV.configJson].length;
    this.configInline = configChars <= INLINE_CONFIG_MAX_CHARS;
    this.configParameter = this.publishDeployment(config, configChars);

    const environment: StackEnvironment = {
      [ENV.tableName]: this.table.tableName,
      [ENV.topicArn]: this.topic.topicArn,
      [ENV.accountId]: stack.account,
      [ENV.eventBusName]: 'default',
      ...(this.configInline ? inlineConfig : { [ENV.configParameter]: this.configParameter.parameterName }),
    };
    const resourceArns: ResourceArns = {
      table: this.table.tableArn,
      'table-indexes': `${this.table.tableArn}/index/*`,
      topic: this.topic.topicArn,
      'topic-key': (this.topic.masterKey ?? this.key).keyArn,
      'config-parameter': this.configParameter.parameterArn,
      'kill-switch-parameter': this.killSwitchArn,
      ...externalResourceArns(stack.partition, stack.region, stack.account),
    };
    const catalog = props.functions ?? FUNCTIONS;
    const roleName = roleNamer(props.roleNamePrefix, stack.region);
    for (const catalogSpec of catalog) {
      const fn = this.createFunction(catalogSpec, props, definedOnly(environment), resourceArns, roleName);
      this.functions.push(fn);
    }
    allowFunctionsToPublish(
      this,
      { topic: this.topic, key: this.key, broughtTopic: props.alertTopic !== undefined },
      this.functions
        .filter((f) => f.spec.permissions.some((p) => p.resources.includes('topic')))
        .map((f) => f.role),
    );
    this.tellRecorderTheKeeper();
    if (config.hub.eventBusArn) {
      this.hubForwarding = new HubForwarding(this, 'HubForward', {
        eventBusArn: config.hub.eventBusArn,
        key: this.key,
        alarmTopic: this.topic,
        roleName: roleName('HubForward'),
      });
    }

    // The finance dashboard over the Sweeper's cost metrics.
    const sweeperSpec = catalog.find((f) => f.id === 'Sweeper');
    if (sweeperSpec) {
      this.financeDashboard = new FinanceDashboard(this, 'FinanceDashboard', {
        service: kebabCase(sweeperSpec.id),
        hourlyRateUsd: config.sweeper.hourlyRateUsd,
        sweepMinutes: config.sweeper.scheduleMinutes,
      });
    }
    ({ alarms: this.alarms, dashboard: this.securityDashboard } = this.watch(config));

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'AlertTopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'KillSwitchParameterName', { value: config.sweeper.killSwitchParameter });
    new CfnOutput(this, 'ConfigParameterName', {
      value: this.configParameter.parameterName,
      description: 'The deployed configuration and where the table and topic are: the CLI reads it',
    });
    if (props.permissionsBoundary) iam.PermissionsBoundary.of(this).apply(props.permissionsBoundary);
    for (const [key, value] of Object.entries(props.tags ?? {})) Tags.of(this).add(key, value);
  }

  /** A brought key or topic is given the statements eip-keeper's own would have (or a warning says which). */
  private letServicesUseBrought({ encryptionKey, alertTopic }: EipKeeperProps): void {
    if (encryptionKey)
      allowServicesToUseKey(encryptionKey, alertTopic ? ['events'] : ['cloudwatch', 'events']);
    if (!alertTopic) return;
    allowAlarmsToPublish(alertTopic);
    if (alertTopic.masterKey) allowServicesToUseKey(alertTopic.masterKey, ['cloudwatch']);
  }

  /**
   * What tells the operators that something stopped working or needs a look: heartbeat and pool-exhaustion alarms on
   * the topic, the security dashboard, and both dashboards' addresses as outputs.
   */
  private watch(config: AppConfig): { alarms: OperationalAlarms; dashboard: SecurityDashboard } {
    const region = Stack.of(this).region;
    const alarms = new OperationalAlarms(this, 'Alarms', {
      functions: this.functions,
      config,
      topic: this.topic,
      keeperFunctionIds: this.functions
        .filter((f) => f.spec.permissions.some((p) => p.actions.includes('ec2:AssociateAddress')))
        .map((f) => f.spec.id),
    });
    const dashboard = new SecurityDashboard(this, 'SecurityDashboard', {
      topic: this.topic,
      functions: this.functions,
      alarms,
    });
    new CfnOutput(this, 'SecurityDashboardUrl', {
      value: dashboardUrl(region, dashboard.dashboard.dashboardName),
      description: 'Alerts, refused events, releases and blocks, dead-letter queues, heartbeats',
    });
    if (this.financeDashboard) {
      new CfnOutput(this, 'FinanceDashboardUrl', {
        value: dashboardUrl(region, this.financeDashboard.dashboard.dashboardName),
        description: 'What idle Elastic IPs cost and what releases saved',
      });
    }
    return { alarms, dashboard };
  }

  /**
   * The deployment as the CLI finds it from the stack name and region: the effective configuration, the account,
   * region, table and topic, in `/eip-keeper/<stack>/config`; also what the functions read when the configuration
   * is too long for their environment.
   */
  private publishDeployment(config: AppConfig, configChars: number): ssm.StringParameter {
    const stack = Stack.of(this);
    const chars = configChars + DEPLOYMENT_DOCUMENT_OVERHEAD_CHARS;
    if (chars > SSM_ADVANCED_MAX_CHARS) throw new ConfigTooLargeError(configChars);
    const document = deploymentDocument(
      {
        stack: stack.stackName,
        account: stack.account,
        region: stack.region,
        tableName: this.table.tableName,
        alertTopicArn: this.topic.topicArn,
      },
      config,
    );
    return new ssm.StringParameter(this, 'Config', {
      parameterName: deploymentParameterName(stack.stackName),
      stringValue: stack.toJsonString(document),
      description: 'eip-keeper: the deployed configuration (validated at synth time), table and alert topic',
      tier: chars > SSM_STANDARD_MAX_CHARS ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
    });
  }

  /** One catalog entry as a hardened function, with only the statements this configuration needs. */
  private createFunction(
    catalogSpec: FunctionSpec,
    props: EipKeeperProps,
    environment: Record<string, string>,
    resourceArns: ResourceArns,
    roleName: (functionId: string) => string | undefined,
  ): EventFunction {
    const { config } = this;
    // PermissionSpec.when: a switch off in the configuration is off in IAM.
    const spec = { ...catalogSpec, permissions: permissionsFor(catalogSpec, config) };
    const fn = new EventFunction(this, spec.id, {
      spec,
      config,
      environment,
      resourceArns,
      key: this.key,
      alarmTopic: this.topic,
      ...functionCodeSource(spec, props),
      logRetention: props.logRetention,
      roleName: roleName(spec.id),
    });
    if (!this.configInline) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadConfigParameter',
          actions: ['ssm:GetParameter'],
          resources: [this.configParameter.parameterArn],
        }),
      );
    }
    if (mayReleaseAddresses(catalogSpec)) {
      for (const guard of releaseGuardStatements(config, resourceArns['elastic-ip'])) {
        fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, ...guard }));
      }
    }
    return fn;
  }

  /**
   * The inventory recorder learns the roles of the functions that may associate addresses (the keeper's): an
   * association one of them made proves the address was a pool member, whatever its tags say later.
   */
  private tellRecorderTheKeeper(): void {
    const keeperRoles = this.functions
      .filter((f) => f.spec.permissions.some((p) => p.actions.includes('ec2:AssociateAddress')))
      .map((f) => f.role.roleArn);
    const recorder = this.functions.find((f) => f.spec.id === inventoryRecorder.id);
    if (recorder && keeperRoles.length > 0) {
      recorder.function.addEnvironment(ENV.keeperRoleArns, Fn.join(',', keeperRoles));
    }
  }
}

function definedOnly(env: StackEnvironment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}
