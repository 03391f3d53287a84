/**
 * eip-keeper's functions as the stack deploys them into a simulated region: each catalog entry's handler built from a
 * RuntimeContext on the region's endpoints, its EventBridge rules and its schedule. A redeploy builds every handler
 * again from a new configuration (cold starts: new SDK clients, new caches); deliveries already queued, Lambda's
 * retries included, reach the new handler, as they reach the new version in AWS.
 */
import { type FunctionSpec, rulesFor } from '../../shared/app/functions';
import { ENV, inlineConfigEnvironment, type RuntimeEnv } from '../../shared/config/environment';
import type { AppConfig } from '../../shared/config/schema';
import type { RuntimeContext } from '../../shared/runtime/context';
import type { EventBridgeEvent } from '../core/types';
import type { LocalEventBridge, RouteTarget } from '../eventbridge/router';

type Handler = (event: EventBridgeEvent) => Promise<unknown>;

export class DeployedFunctions {
  private readonly specs = new Map<string, FunctionSpec>();
  private readonly handlers = new Map<string, Handler>();
  /** How many times the functions were deployed (1 after the first deploy). */
  deployments = 0;

  constructor(
    private readonly bus: LocalEventBridge,
    /** The context a function of `id` gets with the current configuration. */
    private readonly contextOf: (functionId: string) => RuntimeContext,
  ) {}

  /** Deploys the functions: handlers, rules, schedules. */
  async deploy(functions: readonly FunctionSpec[], config: AppConfig): Promise<void> {
    this.deployments += 1;
    for (const spec of functions) {
      this.specs.set(spec.id, spec);
      this.handlers.set(spec.id, await this.build(spec));
      this.route(spec, config);
      this.schedule(spec, config);
    }
  }

  /** A redeploy with a new configuration: every handler starts cold; schedules follow the new configuration. */
  async redeploy(config: AppConfig): Promise<void> {
    this.deployments += 1;
    for (const spec of this.specs.values()) {
      this.handlers.set(spec.id, await this.build(spec));
      // Rules built from the configuration (the keeper's content filters) follow it, as a deploy replaces them.
      this.bus.removeTargets(spec.id);
      this.route(spec, config);
      this.bus.removeSchedules(spec.id);
      this.schedule(spec, config);
    }
  }

  ids(): string[] {
    return [...this.specs.keys()];
  }

  /** A target that invokes the function directly (a manual or scheduled invoke), or undefined when none is deployed. */
  target(spec: FunctionSpec | string): RouteTarget {
    const s = typeof spec === 'string' ? this.specs.get(spec) : spec;
    if (!s) throw new Error(`no function ${String(spec)} in this region (have: ${this.ids().join(', ')})`);
    return {
      functionId: s.id,
      ruleId: 'manual',
      maxConcurrency: s.reservedConcurrency,
      timeoutMs: s.timeoutSeconds * 1000,
      // Looked up at delivery time: a delivery queued before a redeploy runs the new handler.
      invoke: (event) => (this.handlers.get(s.id) as Handler)(event),
    };
  }

  private async build(spec: FunctionSpec): Promise<Handler> {
    const mod = await spec.load();
    return mod.createHandler(this.contextOf(spec.id)) as Handler;
  }

  private route(spec: FunctionSpec, config: AppConfig): void {
    for (const rule of rulesFor(spec, config))
      this.bus.addTarget({ ...this.target(spec), ruleId: rule.id, pattern: rule.pattern });
  }

  private schedule(spec: FunctionSpec, config: AppConfig): void {
    if (!spec.scheduleMinutes) return;
    this.bus.addSchedule(
      { ...this.target(spec), ruleId: `${spec.id}Schedule` },
      spec.scheduleMinutes(config),
    );
  }
}

/** The RuntimeEnv the stack gives every function. */
export function runtimeEnvOf(r: {
  tableName: string;
  topicArn: string;
  accountId: string;
  region: string;
  config: AppConfig;
  /** The roles the keeper's functions act as (the recorder tells their associations from others'). */
  keeperRoleArns?: string[];
}): RuntimeEnv {
  // The text and digest the stack writes, so a cold start takes the configuration as deployed ones do.
  const inlineConfig = inlineConfigEnvironment(r.config);
  return {
    tableName: r.tableName,
    topicArn: r.topicArn,
    accountId: r.accountId,
    region: r.region,
    eventBusName: 'default',
    configJson: inlineConfig[ENV.configJson],
    configDigest: inlineConfig[ENV.configDigest],
    ...(r.keeperRoleArns ? { keeperRoleArns: r.keeperRoleArns } : {}),
  };
}

/**
 * `spec` with every invocation of its handler passed through `around` (given the event and the real handler): how a
 * bench or a test measures what the simulated region runs without changing it.
 */
export function aroundHandler(
  spec: FunctionSpec,
  around: (event: unknown, handle: (event: unknown) => Promise<unknown>) => Promise<unknown>,
): FunctionSpec {
  return {
    ...spec,
    load: async () => {
      const mod = await spec.load();
      return {
        createHandler: (ctx) => {
          const handle = mod.createHandler(ctx);
          return (event) => around(event, handle);
        },
      };
    },
  };
}
