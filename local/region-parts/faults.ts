/**
 * The fault switches of a simulated region (docs/scenarios.md#faults) and the hook the server asks before handling
 * each call: inject a failure (EC2 5xx, a failing SNS Publish, a call of a stopped invocation), or first run what a
 * scenario slips in before a function's named call.
 */
import type { VirtualClock } from '../core/clock';
import { Throttler } from '../core/throttle';
import type { SimRequest, SimResponse } from '../core/types';
import type { DynamoDbFaultLayer, DynamoDbThrottling } from '../dynamodb-faults';
import type { DeliveryFaults, LocalEventBridge } from '../eventbridge/router';
import type { HandlerFault, InvocationFaults } from '../invocation-faults';

/** SNS Publish errors a fault can return: InternalError (HTTP 500) is retried by the SDK, the others are not. */
export const SNS_PUBLISH_ERRORS = {
  InternalError: { status: 500, type: 'Receiver', message: 'Internal service error.' },
  KMSAccessDenied: {
    status: 400,
    type: 'Sender',
    message: 'The ciphertext references a key that doesn’t exist or that you don’t have access to.',
  },
  KMSDisabled: {
    status: 400,
    type: 'Sender',
    message: 'The request was rejected because the specified KMS key is not enabled.',
  },
  AuthorizationError: {
    status: 403,
    type: 'Sender',
    message: 'User is not authorized to perform SNS:Publish.',
  },
  Throttled: { status: 400, type: 'Sender', message: 'Rate exceeded' },
} as const;

export interface SnsPublishFault {
  /** Probability (0–1) that a Publish fails (each attempt decided anew). */
  probability: number;
  /** The error SNS answers with (default InternalError). */
  errorCode?: keyof typeof SNS_PUBLISH_ERRORS;
}

export interface RegionFaults {
  delivery?: DeliveryFaults;
  /** Per-API token-bucket throttling at AWS's EC2 rates (RequestLimitExceeded; the SDK retries). */
  ec2Throttling?: boolean;
  /** Probability (0–1) that an EC2 call fails with HTTP 503 Unavailable before it is handled. */
  ec2ServerErrors?: number;
  /** SNS Publish fails: a probability, or which error and how often; 0/false = off. */
  snsPublishErrors?: number | SnsPublishFault | false;
  /** DynamoDB throttles requests: a probability, or which operations, how often and with which error; 0/false = off. */
  dynamodbThrottling?: number | DynamoDbThrottling | false;
  /** Invocations stop and time out at their configured timeout; `false` = off (local/invocation-faults.ts). */
  handlerTimeout?: HandlerFault | false;
  /** Invocations crash (the runtime exits) part-way; `false` = off. */
  handlerCrash?: HandlerFault | false;
}

/** Something to run before the first call of `action` by function `functionId` reaches the region (once). */
export interface CallHook {
  functionId: string;
  action: string;
  run(): Promise<void>;
}

/** The region's fault layer, present when it was started with `faultLayer`. */
export interface FaultLayer {
  invocations: InvocationFaults;
  dynamodb: DynamoDbFaultLayer;
}

export class RegionFaultSwitches {
  /** Present while EC2 throttling is on. */
  throttler?: Throttler;
  private serverErrorRate = 0;
  private snsPublish?: SnsPublishFault;
  private readonly hooks: CallHook[] = [];
  layer?: FaultLayer;

  constructor(
    private readonly clock: VirtualClock,
    private readonly bus: LocalEventBridge,
    private readonly random: () => number,
  ) {}

  set(faults: RegionFaults): void {
    if (faults.delivery !== undefined) this.bus.setFaults(faults.delivery);
    if (faults.ec2Throttling !== undefined) {
      // Virtual time only: whether a call is throttled never depends on the machine's speed.
      this.throttler = faults.ec2Throttling ? new Throttler(() => this.clock.nowMs()) : undefined;
    }
    if (faults.ec2ServerErrors !== undefined) this.serverErrorRate = faults.ec2ServerErrors;
    if (faults.snsPublishErrors !== undefined) {
      const f = faults.snsPublishErrors;
      this.snsPublish = typeof f === 'number' ? { probability: f } : f || undefined;
    }
    this.setLayerFaults(faults);
  }

  private setLayerFaults({ dynamodbThrottling, handlerTimeout, handlerCrash }: RegionFaults): void {
    if (!this.layer) {
      // Switching off what was never on needs no fault layer.
      if (!dynamodbThrottling && !handlerTimeout && !handlerCrash) return;
      throw new Error(
        'dynamodbThrottling, handlerTimeout and handlerCrash need the fault layer: start the region with faultLayer: true',
      );
    }
    if (dynamodbThrottling !== undefined) {
      this.layer.dynamodb.setThrottling(
        typeof dynamodbThrottling === 'number'
          ? { probability: dynamodbThrottling }
          : dynamodbThrottling || undefined,
      );
    }
    this.layer.invocations.set({ handlerTimeout, handlerCrash });
  }

  /** Registers a hook (needs the fault layer: it tells which function made a call). */
  beforeCall(hook: CallHook): void {
    if (!this.layer)
      throw new Error(
        'a hook before a function’s call needs the fault layer: start the region with faultLayer: true',
      );
    this.hooks.push(hook);
  }

  /** Hooks registered and not fired yet. */
  pendingHooks(): readonly CallHook[] {
    return this.hooks;
  }

  /** Asked by the server before it handles a call: a response to answer instead, or undefined to go on. */
  async intercept(service: string, action: string, req: SimRequest): Promise<SimResponse | undefined> {
    const sdkId = req.headers['amz-sdk-invocation-id'];
    if (this.layer?.invocations.stopsAt(sdkId, action)) {
      return {
        status: 500,
        headers: { 'content-type': 'text/xml' },
        body: '<Response><Errors><Error><Code>InternalError</Code><Message>the calling invocation was stopped</Message></Error></Errors><RequestID>fault</RequestID></Response>',
      };
    }
    const functionId = this.hooks.length > 0 ? this.layer?.invocations.functionOf(sdkId) : undefined;
    const hook = this.hooks.find((h) => h.functionId === functionId && h.action === action);
    if (hook) {
      this.hooks.splice(this.hooks.indexOf(hook), 1);
      await hook.run();
    }
    if (service === 'ec2' && this.serverErrorRate > 0 && this.random() < this.serverErrorRate) {
      return {
        status: 503,
        headers: { 'content-type': 'text/xml' },
        body: `<Response><Errors><Error><Code>Unavailable</Code><Message>The service is unavailable (${action}).</Message></Error></Errors><RequestID>fault</RequestID></Response>`,
      };
    }
    if (
      service === 'sns' &&
      action === 'Publish' &&
      this.snsPublish &&
      this.random() < this.snsPublish.probability
    ) {
      const code = this.snsPublish.errorCode ?? 'InternalError';
      const e = SNS_PUBLISH_ERRORS[code];
      return {
        status: e.status,
        headers: { 'content-type': 'text/xml' },
        body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${e.type}</Type><Code>${code}</Code><Message>${e.message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
      };
    }
    return undefined;
  }
}
