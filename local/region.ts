/**
 * The local simulated region: one HTTP server for the AWS APIs eip-keeper calls, DynamoDB Local for its table, the
 * local EventBridge routing CloudTrail events to the real handlers, IAM evaluated on every call of a function with
 * the stack's policies (docs/iam-in-the-simulated-region.md), and a virtual clock. It is the engine of `npm start`,
 * `eip-keeper simulate`, `eip-keeper local up`, the scenario tests and the benchmarks.
 */
import type { RetryStrategyV2 } from '@smithy/types';
import { FUNCTIONS, type FunctionSpec } from '../shared/app/functions';
import { DEFAULT_MAX_ATTEMPTS } from '../shared/aws/clients';
import type { RuntimeEnv } from '../shared/config/environment';
import { type AppConfig, type AppConfigInput, parseAppConfig } from '../shared/config/schema';
import { VirtualClock } from './core/clock';
import { credentialsFor, functionActor, resolveCaller } from './core/identities';
import { createIdFactory } from './core/ids';
import { VirtualRetryStrategy } from './core/retry';
import { SimulatedServer } from './core/server';
import type { EventBridgeEvent, ServiceEnv } from './core/types';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb';
import { type DynamoDbFaultHooks, DynamoDbFaultLayer } from './dynamodb-faults';
import { createEc2Service, type Ec2State } from './ec2';
import { type AuditorServices, createAuditorServices } from './eks';
import { type InvocationInfo, LocalEventBridge, seededRandom } from './eventbridge/router';
import type { RegionIam } from './iam/authorizer';
import type { PolicyDocument } from './iam/policy';
import { InvocationFaults } from './invocation-faults';
import { PricingService } from './pricing/service';
import { type CallHook, RegionFaultSwitches, type RegionFaults } from './region-parts/faults';
import { DeployedFunctions, runtimeEnvOf } from './region-parts/functions';
import { dynamoDbAuthorizer, keeperRoleArns, startRegionIam } from './region-parts/iam';
import { createTable, tableItemsByKind } from './region-parts/table';
import { Route53Service } from './route53/service';
import { type LogRecord, localContext, type MetricRecord } from './runtime';
import { SecurityHubService } from './securityhub/service';
import { SnsService } from './sns/service';
import { SsmService } from './ssm/service';

export type { CallHook, RegionFaults, SnsPublishFault } from './region-parts/faults';

export interface RegionOptions {
  region?: string;
  accountId?: string;
  /** Virtual clock start (ISO). */
  start?: string;
  /** Seed of ids and fault randomness. */
  seed?: number;
  config?: AppConfigInput;
  /** Use this DynamoDB Local (the test suite shares one); otherwise the region starts its own. */
  dynamoEndpoint?: string;
  /** Deliveries run in parallel, like concurrent Lambda invocations. */
  concurrency?: number;
  /** Functions to deploy; defaults to the whole catalog. */
  functions?: FunctionSpec[];
  /** Print handler logs to stderr as they happen. */
  echoLogs?: boolean;
  /**
   * Put the fault layer in: a proxy in front of DynamoDB and invocation tracking, which the `dynamodbThrottling`,
   * `handlerTimeout` and `handlerCrash` switches and hooks before a function's call need (the scenario runner turns
   * it on when a scenario uses them).
   */
  faultLayer?: boolean;
  /** IAM evaluated on the calls of functions and `actorPolicies` (default true; off only to test something else). */
  iam?: boolean;
  /** IAM policies of named actors (IAM users of a scenario); an actor without one is allowed everything. */
  actorPolicies?: Record<string, PolicyDocument>;
}

let regionCounter = 0;

/** The parts of a region built before its object exists (the server must be up first). */
interface Parts {
  regionName: string;
  accountId: string;
  clock: VirtualClock;
  config: AppConfig;
  server: SimulatedServer;
  endpoint: string;
  ec2: Ec2State;
  sns: SnsService;
  auditor: AuditorServices;
  bus: LocalEventBridge;
  tableName: string;
  topicArn: string;
  dynamoEndpoint: string;
  ownDynamo: DynamoDbLocal | undefined;
  seed: number;
}

export class SimulatedRegion {
  readonly logs: LogRecord[] = [];
  readonly metrics: MetricRecord[] = [];
  readonly regionName: string;
  readonly accountId: string;
  readonly clock: VirtualClock;
  readonly server: SimulatedServer;
  readonly endpoint: string;
  readonly ec2: Ec2State;
  readonly sns: SnsService;
  readonly bus: LocalEventBridge;
  readonly tableName: string;
  readonly topicArn: string;
  readonly dynamoEndpoint: string;
  /** The simulated EKS, IAM, Kubernetes API and EventBridge PutEvents. */
  readonly auditor: AuditorServices;
  /** SSM Parameter Store (kill switch), Route 53 (hosted zones, records), the Price List API. */
  readonly ssm: SsmService;
  readonly route53 = new Route53Service();
  readonly pricing = new PricingService();
  /** AWS Security Hub: the findings imported with `securityHub.enabled`. */
  readonly securityHub: SecurityHubService;
  readonly faults: RegionFaultSwitches;
  /** IAM of the region; undefined when the region was started with `iam: false`. */
  iam?: RegionIam;
  private currentConfig: AppConfig;
  private readonly ownDynamo: DynamoDbLocal | undefined;
  private readonly retryStrategy: VirtualRetryStrategy;
  private functionsDynamoEndpoint?: string;
  /** The proxy every function's DynamoDB client calls, with IAM or the fault layer. */
  private dynamoProxy?: DynamoDbFaultLayer;
  private functionsRetryStrategy?: RetryStrategyV2;
  private readonly functions: DeployedFunctions;
  private echoLogs = false;

  private constructor(p: Parts) {
    this.regionName = p.regionName;
    this.accountId = p.accountId;
    this.clock = p.clock;
    this.currentConfig = p.config;
    this.server = p.server;
    this.endpoint = p.endpoint;
    this.ec2 = p.ec2;
    this.sns = p.sns;
    this.auditor = p.auditor;
    this.bus = p.bus;
    this.tableName = p.tableName;
    this.topicArn = p.topicArn;
    this.dynamoEndpoint = p.dynamoEndpoint;
    this.ownDynamo = p.ownDynamo;
    // Registered before any request reaches the server.
    this.ssm = new SsmService(p.clock);
    this.securityHub = new SecurityHubService({ region: p.regionName, accountId: p.accountId });
    for (const m of [this.ssm, this.route53, this.pricing, this.securityHub]) p.server.register(m);
    this.retryStrategy = new VirtualRetryStrategy(
      p.bus.scheduler,
      DEFAULT_MAX_ATTEMPTS,
      seededRandom(p.seed + 17),
    );
    let s = p.seed * 7919;
    this.faults = new RegionFaultSwitches(p.clock, p.bus, () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    });
    this.functions = new DeployedFunctions(p.bus, (functionId) =>
      localContext({
        functionId,
        env: this.runtimeEnv(),
        config: this.currentConfig,
        aws: this.functionConnection(functionId),
        clock: this.clock,
        logs: this.logs,
        metrics: this.metrics,
        echoLogs: this.echoLogs,
      }),
    );
  }

  static async start(opts: RegionOptions = {}): Promise<SimulatedRegion> {
    const regionName = opts.region ?? 'eu-west-1';
    const accountId = opts.accountId ?? '111122223333';
    const seed = opts.seed ?? 1;
    const config = parseAppConfig(opts.config ?? {}, 'scenario config');
    const clock = new VirtualClock(opts.start);
    const serviceEnv: ServiceEnv = { region: regionName, accountId, clock, ids: createIdFactory(seed) };
    const ec2 = createEc2Service(serviceEnv);
    const sns = new SnsService();
    // Numbered before the first await: regions started concurrently in one process get distinct table names.
    const regionNumber = ++regionCounter;
    const topicArn = `arn:aws:sns:${regionName}:${accountId}:eip-keeper-alerts`;
    sns.addTopic(topicArn);
    const bus = new LocalEventBridge(
      clock,
      [],
      { accountId, region: regionName },
      { seed, concurrency: opts.concurrency },
    );

    // The region object exists only after the server is up; the fault and IAM hooks reach it through this holder.
    const holder: { region?: SimulatedRegion } = {};
    const server = new SimulatedServer({
      env: serviceEnv,
      resolveCaller: (key) => resolveCaller(accountId, key),
      onCloudTrail: (event) => bus.put(event),
      throttler: () => holder.region?.faults.throttler,
      injectFault: (service, action, req) => holder.region?.faults.intercept(service, action, req),
      iam: () => holder.region?.iam,
    });
    server.register(ec2.module);
    server.register(sns);
    const auditor = createAuditorServices(serviceEnv, ec2.state, (event) => bus.put(event));
    for (const m of auditor.modules) server.register(m);

    let ownDynamo: DynamoDbLocal | undefined;
    try {
      const endpoint = await server.start();
      let dynamoEndpoint = opts.dynamoEndpoint;
      if (!dynamoEndpoint) {
        ownDynamo = await startDynamoDbLocal();
        dynamoEndpoint = ownDynamo.endpoint;
      }
      const tableName = `eip-keeper-${process.pid}-${regionNumber}-${Date.now().toString(36)}`;
      await createTable(dynamoEndpoint, regionName, tableName);
      const sim = new SimulatedRegion({
        ...{ regionName, accountId, clock, config, server, endpoint, ec2: ec2.state, sns, auditor, bus },
        ...{ tableName, topicArn, dynamoEndpoint, ownDynamo, seed },
      });
      holder.region = sim;
      sim.echoLogs = Boolean(opts.echoLogs);
      bus.wrapInvocation = (info, invoke) => sim.runInvocation(info, invoke);
      const functions = opts.functions ?? FUNCTIONS;
      if (opts.iam ?? true) {
        const site = { accountId, regionName, tableName, topicArn, config: () => sim.config };
        const metric = (id: string, name: string) => sim.platformMetric(id, name, { FunctionName: id });
        sim.iam = await startRegionIam({ site, bus, functions, actorPolicies: opts.actorPolicies, metric });
      }
      if (opts.faultLayer) await sim.startFaultLayer(seed);
      else if (sim.iam) await sim.startDynamoProxy(seed);
      await sim.functions.deploy(functions, config);
      return sim;
    } catch (err) {
      // Nothing half-started is left behind: the server, DynamoDB Local and the DynamoDB proxy go.
      await holder.region?.dynamoProxy?.stop();
      await server.stop();
      await auditor.stop();
      await ownDynamo?.stop();
      throw err;
    }
  }

  /** The configuration the functions run with (changed by `redeploy`). */
  get config(): AppConfig {
    return this.currentConfig;
  }

  /** The RuntimeEnv a deployed function would get from the stack. */
  runtimeEnv(): RuntimeEnv {
    const { tableName, topicArn, accountId, regionName: region, currentConfig: config } = this;
    return runtimeEnvOf({
      tableName,
      topicArn,
      accountId,
      region,
      config,
      keeperRoleArns: keeperRoleArns(accountId, config),
    });
  }

  /** SDK clients acting as one of eip-keeper's functions: they sign as its role, as in Lambda. */
  functionConnection(functionId: string) {
    return this.connection(functionActor(functionId));
  }

  /** Connection for SDK clients acting as `actor` (the CLI acts as `eip-keeper`; a function, see functionConnection). */
  connection(actor = 'eip-keeper') {
    const ep = this.endpoint;
    return {
      region: this.regionName,
      endpoints: {
        ...{
          ec2: ep,
          sns: ep,
          ssm: ep,
          eks: ep,
          iam: ep,
          route53: ep,
          pricing: ep,
          sts: ep,
          eventbridge: ep,
          securityhub: ep,
        },
        dynamodb: this.functionsDynamoEndpoint ?? this.dynamoEndpoint,
      },
      credentials: credentialsFor(actor),
      // Every client of the region backs off on the virtual clock, as the throttling buckets refill on it.
      retryStrategy: this.functionsRetryStrategy ?? this.retryStrategy,
    };
  }

  private async startFaultLayer(seed: number): Promise<void> {
    const invocations = new InvocationFaults(seed, this.clock, this.bus.scheduler);
    this.functionsRetryStrategy = invocations.retryStrategy(this.retryStrategy);
    const dynamodb = await this.startDynamoProxy(seed, {
      stopsAt: (sdkInvocationId, operation) => invocations.stopsAt(sdkInvocationId, operation),
      metric: (name, operation) => this.platformMetric('DynamoDB', name, { Operation: operation }),
    });
    this.faults.layer = { invocations, dynamodb };
  }

  /** The proxy every function's DynamoDB client calls: IAM's decisions, and the fault layer's DynamoDB faults. */
  private async startDynamoProxy(seed: number, hooks: DynamoDbFaultHooks = {}): Promise<DynamoDbFaultLayer> {
    const authorize = dynamoDbAuthorizer(() => this.iam, this, this.server.calls);
    this.dynamoProxy = new DynamoDbFaultLayer(this.dynamoEndpoint, seed, { ...hooks, authorize });
    this.functionsDynamoEndpoint = await this.dynamoProxy.start();
    return this.dynamoProxy;
  }

  /** A metric AWS itself publishes (Lambda's `Errors`, DynamoDB's `ThrottledRequests`, …). */
  private platformMetric(source: string, name: string, dimensions: Record<string, string>): void {
    this.metrics.push({
      at: this.clock.now().toISOString(),
      functionId: source,
      name,
      value: 1,
      unit: 'Count',
      dimensions,
    });
  }

  /** Every invocation: handler faults when the fault layer is in, and Lambda's `Errors` metric when it fails. */
  private async runInvocation(info: InvocationInfo, invoke: () => Promise<unknown>): Promise<unknown> {
    try {
      const layer = this.faults.layer;
      return await (layer ? layer.invocations.run(info, invoke) : invoke());
    } catch (err) {
      this.platformMetric(info.functionId, 'Errors', { FunctionName: info.functionId });
      throw err;
    }
  }

  /** A deploy with a new configuration (validated by the stack's schema): every function restarts cold. */
  async redeploy(config: AppConfigInput): Promise<void> {
    this.currentConfig = parseAppConfig(config, 'redeployed config');
    // The stack deploys the policies of the new configuration with the functions.
    await this.iam?.redeployed();
    await this.functions.redeploy(this.currentConfig);
  }

  /** Runs `hook` before the first call of an action by a function reaches AWS (needs the fault layer). */
  beforeCall(hook: CallHook): void {
    this.faults.beforeCall(hook);
  }

  /** The association id of an address, if it is associated. */
  ec2Association(allocationId: string): string | undefined {
    return this.ec2.addressById.get(allocationId)?.association?.associationId;
  }

  addressesSnapshot(): unknown[] {
    return this.ec2.addresses();
  }

  networkInterfacesSnapshot(): unknown[] {
    return this.ec2.networkInterfaces();
  }

  /** Resource counts, for the story's first line. */
  seedSummary(): Record<string, number> {
    return {
      VPCs: this.ec2.vpcById.size,
      subnets: this.ec2.subnetById.size,
      instances: this.ec2.instanceById.size,
      'network interfaces': this.ec2.eniById.size,
      'Elastic IPs': this.ec2.addressById.size,
    };
  }

  /** Function ids deployed in this region. */
  functionIds(): string[] {
    return this.functions.ids();
  }

  setFaults(faults: RegionFaults): void {
    this.faults.set(faults);
  }

  /** Puts a raw event on the bus (as if AWS emitted it) and runs what it triggers. */
  async putEvent(event: EventBridgeEvent): Promise<void> {
    this.bus.put(event);
    await this.bus.drain();
  }

  /**
   * Invokes a deployed function with its scheduled event (or the given one), through the async retry path;
   * `copies` > 1 delivers the same event that many times at once (EventBridge delivers at least once).
   */
  async invoke(functionId: string, event?: EventBridgeEvent, copies = 1): Promise<unknown> {
    const target = { ...this.functions.target(functionId), maxConcurrency: undefined };
    const before = this.bus.invocations.length;
    const delivered = event ?? this.bus.scheduledEvent({ ...target, ruleId: `${functionId}Schedule` });
    for (let i = 0; i < copies; i++) this.bus.invokeNow(target, delivered);
    await this.bus.drain();
    return this.bus.invocations
      .slice(before)
      .find((i) => i.functionId === functionId && i.ruleId === 'manual')?.result;
  }

  /** Runs everything due now. */
  async settle(): Promise<void> {
    await this.bus.drain();
  }

  /** Advances the virtual clock, delivering delayed events, retries and schedules on the way. */
  async advance(ms: number): Promise<void> {
    await this.bus.advanceTo(this.clock.nowMs() + ms);
  }

  /** Every table item, grouped by kind (`kind` attribute, else derived from the key prefixes). */
  tableItemsByKind(): Promise<Record<string, Record<string, unknown>[]>> {
    return tableItemsByKind(this.dynamoEndpoint, this.regionName, this.tableName);
  }

  async stop(): Promise<void> {
    await this.dynamoProxy?.stop();
    await this.server.stop();
    await this.auditor.stop();
    await this.ownDynamo?.stop();
  }
}
