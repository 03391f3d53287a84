/**
 * The local simulated region: one HTTP server for the AWS APIs eip-keeper calls, DynamoDB Local for its table, the
 * local EventBridge routing CloudTrail events to the real handlers, and a virtual clock. It is the engine of
 * `npm start`, `eip-keeper simulate`, the scenario tests and the benchmarks.
 */
import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { RetryStrategyV2 } from '@smithy/types';
import { FUNCTIONS, type FunctionSpec, rulesFor } from '../shared/app/functions';
import { DEFAULT_MAX_ATTEMPTS } from '../shared/aws/clients';
import type { RuntimeEnv } from '../shared/config/environment';
import { type AppConfig, type AppConfigInput, parseAppConfig } from '../shared/config/schema';
import { createTableInput } from '../shared/store/table';
import { VirtualClock } from './core/clock';
import { credentialsFor, resolveCaller } from './core/identities';
import { createIdFactory } from './core/ids';
import { VirtualRetryStrategy } from './core/retry';
import { SimulatedServer } from './core/server';
import { awsRateOf, Throttler } from './core/throttle';
import type { EventBridgeEvent, ServiceEnv, SimRequest, SimResponse } from './core/types';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb';
import { DynamoDbFaultLayer, type DynamoDbThrottling } from './dynamodb-faults';
import { createEc2Service, type Ec2State } from './ec2';
import { type AuditorServices, createAuditorServices } from './eks';
import {
  type DeliveryFaults,
  type InvocationInfo,
  LocalEventBridge,
  type RouteTarget,
  seededRandom,
} from './eventbridge/router';
import { type HandlerFault, InvocationFaults } from './invocation-faults';
import { PricingService } from './pricing/service';
import { Route53Service } from './route53/service';
import { type LogRecord, localContext, type MetricRecord } from './runtime';
import { SnsService } from './sns/service';
import { SsmService } from './ssm/service';

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
   * What refills the throttling token buckets: `virtual` time only (benchmarks: exact AWS rates on the virtual
   * clock), or `hybrid` (virtual plus the real time spent in a step, so clients with the SDK's own wall-clock
   * back-off also recover). Default `hybrid`.
   */
  throttleClock?: 'virtual' | 'hybrid';
  /**
   * Put the fault layer in: a proxy in front of DynamoDB and invocation tracking, which the `dynamodbThrottling`,
   * `handlerTimeout` and `handlerCrash` switches need (the scenario runner turns it on when a scenario uses them).
   */
  faultLayer?: boolean;
}

export interface RegionFaults {
  delivery?: DeliveryFaults;
  /** Token-bucket throttling at AWS's EC2 rates (RequestLimitExceeded; the SDK retries). */
  ec2Throttling?: boolean;
  /** Probability (0–1) that an EC2 call fails with HTTP 503 InternalError/Unavailable before it is handled. */
  ec2ServerErrors?: number;
  /** DynamoDB throttles requests: a probability, or which operations, how often and with which error; 0/false = off. */
  dynamodbThrottling?: number | DynamoDbThrottling | false;
  /** Invocations stop and time out at their configured timeout; `false` = off (local/invocation-faults.ts). */
  handlerTimeout?: HandlerFault | false;
  /** Invocations crash (the runtime exits) part-way; `false` = off. */
  handlerCrash?: HandlerFault | false;
}

let regionCounter = 0;

export class SimulatedRegion {
  readonly logs: LogRecord[] = [];
  readonly metrics: MetricRecord[] = [];
  private throttler?: Throttler;
  private throttleClock: 'virtual' | 'hybrid' = 'hybrid';
  private readonly retryStrategy: VirtualRetryStrategy;
  private serverErrorRate = 0;
  /** Present with `faultLayer`: handler faults, and the proxy the functions' DynamoDB clients call. */
  private invocationFaults?: InvocationFaults;
  private dynamoFaults?: DynamoDbFaultLayer;
  private functionsDynamoEndpoint?: string;
  private functionsRetryStrategy?: RetryStrategyV2;
  private readonly randomForFaults: () => number;
  /** The simulated EKS, IAM, Kubernetes API and EventBridge PutEvents. */
  auditor!: AuditorServices;
  /** SSM Parameter Store (kill switch), Route 53 (hosted zones, records), the Price List API. */
  readonly ssm: SsmService;
  readonly route53 = new Route53Service();
  readonly pricing = new PricingService();

  private constructor(
    readonly regionName: string,
    readonly accountId: string,
    readonly clock: VirtualClock,
    readonly config: AppConfig,
    readonly server: SimulatedServer,
    readonly endpoint: string,
    readonly ec2: Ec2State,
    readonly sns: SnsService,
    readonly bus: LocalEventBridge,
    readonly tableName: string,
    readonly topicArn: string,
    readonly dynamoEndpoint: string,
    private readonly ownDynamo: DynamoDbLocal | undefined,
    seed: number,
  ) {
    // Registered before any request reaches the server.
    this.ssm = new SsmService(clock);
    for (const m of [this.ssm, this.route53, this.pricing]) server.register(m);
    this.retryStrategy = new VirtualRetryStrategy(
      bus.scheduler,
      DEFAULT_MAX_ATTEMPTS,
      seededRandom(seed + 17),
    );
    let s = seed * 7919;
    this.randomForFaults = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
  }

  static async start(opts: RegionOptions = {}): Promise<SimulatedRegion> {
    const region = opts.region ?? 'eu-west-1';
    const accountId = opts.accountId ?? '111122223333';
    const seed = opts.seed ?? 1;
    const config = parseAppConfig(opts.config ?? {}, 'scenario config');
    const clock = new VirtualClock(opts.start);
    const ids = createIdFactory(seed);
    const serviceEnv: ServiceEnv = { region, accountId, clock, ids };
    const ec2 = createEc2Service(serviceEnv);
    const sns = new SnsService();
    // Numbered before the first await: regions started concurrently in one process get distinct table names.
    const regionNumber = ++regionCounter;
    const topicArn = `arn:aws:sns:${region}:${accountId}:eip-keeper-alerts`;
    sns.addTopic(topicArn);

    // The region object exists only after the server is up; hooks reach it through this holder.
    const holder: { region?: SimulatedRegion; bus?: LocalEventBridge } = {};
    const server = new SimulatedServer({
      env: serviceEnv,
      resolveCaller: (key) => resolveCaller(accountId, key),
      onCloudTrail: (event) => holder.bus?.put(event),
      throttler: () => holder.region?.throttler,
      injectFault: (service, action, req) => holder.region?.injectFault(service, action, req),
    });
    server.register(ec2.module);
    server.register(sns);
    // Simulated EKS, IAM, Kubernetes API and EventBridge PutEvents.
    const auditor = createAuditorServices(serviceEnv, ec2.state, (event) => holder.bus?.put(event));
    for (const m of auditor.modules) server.register(m);
    const endpoint = await server.start();

    let ownDynamo: DynamoDbLocal | undefined;
    let dynamoEndpoint = opts.dynamoEndpoint;
    if (!dynamoEndpoint) {
      ownDynamo = await startDynamoDbLocal();
      dynamoEndpoint = ownDynamo.endpoint;
    }
    const tableName = `eip-keeper-${process.pid}-${regionNumber}-${Date.now().toString(36)}`;
    const ddb = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region,
      credentials: credentialsFor('setup'),
    });
    await ddb.send(new CreateTableCommand(createTableInput(tableName)));
    ddb.destroy();

    const bus = new LocalEventBridge(
      clock,
      [],
      { accountId, region },
      { seed, concurrency: opts.concurrency },
    );
    holder.bus = bus;
    const sim = new SimulatedRegion(
      region,
      accountId,
      clock,
      config,
      server,
      endpoint,
      ec2.state,
      sns,
      bus,
      tableName,
      topicArn,
      dynamoEndpoint,
      ownDynamo,
      seed,
    );
    holder.region = sim;
    sim.auditor = auditor;
    sim.throttleClock = opts.throttleClock ?? 'hybrid';
    bus.wrapInvocation = (info, invoke) => sim.runInvocation(info, invoke);
    if (opts.faultLayer) await sim.startFaultLayer(seed);
    await sim.deploy(opts.functions ?? FUNCTIONS, Boolean(opts.echoLogs));
    return sim;
  }

  /** The RuntimeEnv a deployed function would get from the stack. */
  runtimeEnv(): RuntimeEnv {
    return {
      tableName: this.tableName,
      topicArn: this.topicArn,
      accountId: this.accountId,
      region: this.regionName,
      eventBusName: 'default',
      configJson: JSON.stringify(this.config),
    };
  }

  /** Connection for SDK clients acting as `actor` (eip-keeper's functions act as `eip-keeper`). */
  connection(actor = 'eip-keeper') {
    return {
      region: this.regionName,
      endpoints: {
        ec2: this.endpoint,
        sns: this.endpoint,
        ssm: this.endpoint,
        eks: this.endpoint,
        iam: this.endpoint,
        route53: this.endpoint,
        pricing: this.endpoint,
        sts: this.endpoint,
        eventbridge: this.endpoint,
        dynamodb: this.functionsDynamoEndpoint ?? this.dynamoEndpoint,
      },
      credentials: credentialsFor(actor),
      retryStrategy: this.functionsRetryStrategy ?? this.retryStrategy,
    };
  }

  private async startFaultLayer(seed: number): Promise<void> {
    const faults = new InvocationFaults(seed, this.clock, this.bus.scheduler);
    this.invocationFaults = faults;
    this.functionsRetryStrategy = faults.retryStrategy(this.retryStrategy);
    this.dynamoFaults = new DynamoDbFaultLayer(this.dynamoEndpoint, seed, {
      stopsAt: (sdkInvocationId, operation) => faults.stopsAt(sdkInvocationId, operation),
      metric: (name, operation) => this.platformMetric('DynamoDB', name, { Operation: operation }),
    });
    this.functionsDynamoEndpoint = await this.dynamoFaults.start();
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
      return await (this.invocationFaults ? this.invocationFaults.run(info, invoke) : invoke());
    } catch (err) {
      this.platformMetric(info.functionId, 'Errors', { FunctionName: info.functionId });
      throw err;
    }
  }

  private readonly handlers = new Map<string, (event: EventBridgeEvent) => Promise<unknown>>();
  private readonly timeoutsMs = new Map<string, number>();

  private async deploy(functions: FunctionSpec[], echoLogs: boolean): Promise<void> {
    for (const spec of functions) {
      const mod = await spec.load();
      const ctx = localContext({
        functionId: spec.id,
        env: this.runtimeEnv(),
        config: this.config,
        aws: this.connection('eip-keeper'),
        clock: this.clock,
        logs: this.logs,
        metrics: this.metrics,
        echoLogs,
      });
      const handle = mod.createHandler(ctx) as (event: EventBridgeEvent) => Promise<unknown>;
      this.handlers.set(spec.id, handle);
      this.timeoutsMs.set(spec.id, spec.timeoutSeconds * 1000);
      for (const rule of rulesFor(spec, this.config)) {
        this.bus.addTarget({
          functionId: spec.id,
          ruleId: rule.id,
          pattern: rule.pattern,
          maxConcurrency: spec.reservedConcurrency,
          timeoutMs: spec.timeoutSeconds * 1000,
          invoke: handle,
        });
      }
      if (spec.scheduleMinutes) {
        this.bus.addSchedule(
          {
            functionId: spec.id,
            ruleId: `${spec.id}Schedule`,
            maxConcurrency: spec.reservedConcurrency,
            timeoutMs: spec.timeoutSeconds * 1000,
            invoke: handle,
          },
          spec.scheduleMinutes(this.config),
        );
      }
    }
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
    return [...this.handlers.keys()];
  }

  setFaults(faults: RegionFaults): void {
    if (faults.delivery !== undefined) this.bus.setFaults(faults.delivery);
    if (faults.ec2Throttling !== undefined) {
      this.throttler = faults.ec2Throttling
        ? new Throttler(
            this.throttleClock === 'virtual'
              ? () => this.clock.nowMs()
              : () => this.clock.nowMs() + performance.now(),
            awsRateOf,
          )
        : undefined;
    }
    if (faults.ec2ServerErrors !== undefined) this.serverErrorRate = faults.ec2ServerErrors;
    const { dynamodbThrottling, handlerTimeout, handlerCrash } = faults;
    if (!this.dynamoFaults || !this.invocationFaults) {
      // Switching off what was never on needs no fault layer.
      if (!dynamodbThrottling && !handlerTimeout && !handlerCrash) return;
      throw new Error(
        'dynamodbThrottling, handlerTimeout and handlerCrash need the fault layer: start the region with faultLayer: true',
      );
    }
    if (dynamodbThrottling !== undefined) {
      this.dynamoFaults.setThrottling(
        typeof dynamodbThrottling === 'number'
          ? { probability: dynamodbThrottling }
          : dynamodbThrottling || undefined,
      );
    }
    this.invocationFaults.set({ handlerTimeout, handlerCrash });
  }

  private injectFault(service: string, action: string, req: SimRequest): SimResponse | undefined {
    if (this.invocationFaults?.stopsAt(req.headers['amz-sdk-invocation-id'], action)) {
      return {
        status: 500,
        headers: { 'content-type': 'text/xml' },
        body: '<Response><Errors><Error><Code>InternalError</Code><Message>the calling invocation was stopped</Message></Error></Errors><RequestID>fault</RequestID></Response>',
      };
    }
    return this.maybeServerError(service, action);
  }

  private maybeServerError(service: string, action: string): SimResponse | undefined {
    if (service !== 'ec2' || this.serverErrorRate <= 0 || this.randomForFaults() >= this.serverErrorRate)
      return undefined;
    return {
      status: 503,
      headers: { 'content-type': 'text/xml' },
      body: `<Response><Errors><Error><Code>Unavailable</Code><Message>The service is unavailable (${action}).</Message></Error></Errors><RequestID>fault</RequestID></Response>`,
    };
  }

  /** Puts a raw event on the bus (as if AWS emitted it) and runs what it triggers. */
  async putEvent(event: EventBridgeEvent): Promise<void> {
    this.bus.put(event);
    await this.bus.drain();
  }

  /** Invokes a deployed function with its scheduled event (or the given one), through the async retry path. */
  async invoke(functionId: string, event?: EventBridgeEvent): Promise<unknown> {
    const handle = this.handlers.get(functionId);
    if (!handle)
      throw new Error(`no function ${functionId} in this region (have: ${this.functionIds().join(', ')})`);
    const target: RouteTarget = {
      functionId,
      ruleId: 'manual',
      invoke: handle,
      timeoutMs: this.timeoutsMs.get(functionId),
    };
    const before = this.bus.invocations.length;
    this.bus.invokeNow(
      target,
      event ?? this.bus.scheduledEvent({ ...target, ruleId: `${functionId}Schedule` }),
    );
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
  async tableItemsByKind(): Promise<Record<string, Record<string, unknown>[]>> {
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: this.dynamoEndpoint,
        region: this.regionName,
        credentials: credentialsFor('setup'),
      }),
    );
    const byKind: Record<string, Record<string, unknown>[]> = {};
    try {
      for await (const page of paginateScan(
        { client },
        { TableName: this.tableName, ConsistentRead: true },
      )) {
        for (const item of page.Items ?? []) {
          const kind =
            typeof item.kind === 'string' ? item.kind : kindOfKeys(String(item.PK), String(item.SK));
          (byKind[kind] ??= []).push(item);
        }
      }
    } finally {
      client.destroy();
    }
    for (const items of Object.values(byKind))
      items.sort((a, b) => `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`));
    return byKind;
  }

  async stop(): Promise<void> {
    await this.dynamoFaults?.stop();
    await this.server.stop();
    await this.auditor?.stop();
    await this.ownDynamo?.stop();
  }
}

function kindOfKeys(pk: string, sk: string): string {
  const p = pk.split('#')[0]?.toLowerCase() ?? 'unknown';
  const s = sk.split('#')[0]?.toLowerCase() ?? '';
  return s && s !== 'state' ? `${p}-${s}` : p;
}
