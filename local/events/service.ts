/**
 * EventBridge PutEvents in the simulated region, as `@aws-sdk/client-eventbridge` sends it (AWS JSON 1.1,
 * `X-Amz-Target: AWSEvents.PutEvents`, signing name `events`): each entry becomes an event on the local bus, as a
 * custom event on the default bus would.
 */
import type {
  CallOutcome,
  EventBridgeEvent,
  ServiceEnv,
  ServiceModule,
  SimRequest,
  SimResponse,
} from '../core/types';
import type { Denial, IamCheck } from '../iam/policy';

/** The entry's `Time` (epoch seconds on the JSON 1.1 wire, or RFC 3339), else the time of the call. */
function eventTime(time: Entry['Time'], now: Date): string {
  const given =
    typeof time === 'number' ? new Date(time * 1000) : typeof time === 'string' ? new Date(time) : now;
  const at = Number.isNaN(given.getTime()) ? now : given;
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function json(status: number, body: unknown, extra: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', ...extra },
    body: JSON.stringify(body),
  };
}

interface Entry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: string | number;
  EventBusName?: string;
}

/** The bus an entry goes to: its `EventBusName` (a name or an ARN), else the default bus. */
function busArn(env: ServiceEnv, name: string | undefined): string {
  if (name?.startsWith('arn:')) return name;
  return `arn:aws:events:${env.region}:${env.accountId}:event-bus/${name ?? 'default'}`;
}

function entriesOf(req: SimRequest): Entry[] {
  try {
    return (JSON.parse(req.body) as { Entries?: Entry[] }).Entries ?? [];
  } catch {
    return [];
  }
}

export class EventsService implements ServiceModule {
  readonly signingName = 'events';
  /** Every accepted custom event, in order. */
  readonly published: EventBridgeEvent[] = [];

  constructor(private readonly deliver: (event: EventBridgeEvent) => void) {}

  actionOf(req: SimRequest): string | undefined {
    return req.headers['x-amz-target']?.split('.').pop();
  }

  throttled(_action: string, requestId: string): SimResponse {
    return json(
      400,
      { __type: 'ThrottlingException', message: 'Rate exceeded' },
      { 'x-amzn-requestid': requestId },
    );
  }

  /**
   * EventBridge authorizes each entry on its bus with its own `events:source` and `events:detail-type`
   * (multivalued keys, Service Authorization Reference): an entry the caller may not send fails alone
   * (`NotAuthorizedForSourceException`); a caller with no statement for PutEvents fails the call.
   */
  iamChecks(req: SimRequest, action: string, env: ServiceEnv): IamCheck[] {
    if (action !== 'PutEvents') throw new Error(`no IAM mapping for events:${action}`);
    return entriesOf(req).map((e, item) => ({
      action: 'events:PutEvents',
      resource: busArn(env, e.EventBusName),
      context: {
        ...(e.Source !== undefined ? { 'events:source': [e.Source] } : {}),
        ...(e.DetailType !== undefined ? { 'events:detail-type': [e.DetailType] } : {}),
      },
      item,
    }));
  }

  accessDenied(_req: SimRequest, action: string, denial: Denial, env: ServiceEnv): CallOutcome {
    return {
      action,
      response: json(
        400,
        { __type: 'AccessDeniedException', message: denial.message },
        { 'x-amzn-requestid': env.ids.uuid() },
      ),
      errorCode: 'AccessDeniedException',
    };
  }

  handle(req: SimRequest, env: ServiceEnv): CallOutcome {
    const action = this.actionOf(req) ?? 'Unknown';
    const requestId = env.ids.uuid();
    if (action !== 'PutEvents')
      return {
        action,
        response: json(400, { __type: 'UnknownOperationException', message: `${action} is not simulated` }),
      };
    let body: { Entries?: Entry[] };
    try {
      body = JSON.parse(req.body) as { Entries?: Entry[] };
    } catch {
      return {
        action,
        response: json(400, { __type: 'SerializationException', message: 'body is not JSON' }),
      };
    }
    const entries = body.Entries ?? [];
    if (entries.length < 1 || entries.length > 10)
      return {
        action,
        response: json(400, { __type: 'ValidationException', message: 'Entries must hold 1 to 10 entries' }),
      };
    const results = entries.map((e, i) => {
      const denied = req.itemDenials?.get(i);
      if (denied) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: denied.message };
      if (!e.Source || !e.DetailType || e.Detail === undefined)
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Source, DetailType and Detail are required' };
      if (e.Source.startsWith('aws.'))
        return {
          ErrorCode: 'NotAuthorizedForSourceException',
          ErrorMessage: 'Not authorized for the source',
        };
      let detail: Record<string, unknown>;
      try {
        detail = JSON.parse(e.Detail) as Record<string, unknown>;
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
      }
      const id = env.ids.uuid();
      const event: EventBridgeEvent = {
        version: '0',
        id,
        'detail-type': e.DetailType,
        source: e.Source,
        account: env.accountId,
        time: eventTime(e.Time, env.clock.now()),
        region: env.region,
        resources: e.Resources ?? [],
        detail,
      };
      this.published.push(event);
      this.deliver(event);
      return { EventId: id };
    });
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    return {
      action,
      response: json(200, { FailedEntryCount: failed, Entries: results }, { 'x-amzn-requestid': requestId }),
    };
  }
}
