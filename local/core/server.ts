/**
 * The simulated region's HTTP front door: one server on 127.0.0.1 (random free port) for every service module.
 * Unmodified SDK clients reach it through endpoint overrides; the SigV4 credential scope says which service is
 * called and the access key id says who calls (CloudTrail's userIdentity).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Authorization } from '../iam/authorizer';
import type { IamCheck } from '../iam/policy';
import type { Throttler } from './throttle';
import type {
  CallerIdentity,
  CallOutcome,
  CloudTrailParts,
  EventBridgeEvent,
  ServiceEnv,
  ServiceModule,
  SimRequest,
  SimResponse,
} from './types';

export interface CallRecord {
  service: string;
  action: string;
  actor: string;
  /** The calling function, when one of eip-keeper's functions made the call. */
  functionId?: string;
  /** `ok`, `throttled`, or the error code returned. */
  outcome: string;
}

export interface ServerHooks {
  env: ServiceEnv;
  resolveCaller(accessKeyId: string): CallerIdentity;
  /** Receives the EventBridge event of every call that writes a CloudTrail management event. */
  onCloudTrail(event: EventBridgeEvent): void;
  /** Present while throttling is switched on. */
  throttler(): Throttler | undefined;
  /**
   * Optional hook run before a call is handled: return a response to inject (e.g. a 5xx) instead of handling it. It
   * may wait (a scenario slipping an action in before the call).
   */
  injectFault?(
    service: string,
    action: string,
    req: SimRequest,
  ): SimResponse | undefined | Promise<SimResponse | undefined>;
  /** Present while IAM is evaluated: decides the checks of the requests of callers it governs. */
  iam?(): IamAuthorizer | undefined;
}

/** The part of the region's IAM the server needs. */
export interface IamAuthorizer {
  governs(caller: CallerIdentity): boolean;
  authorize(caller: CallerIdentity, checks: readonly IamCheck[]): Promise<Authorization>;
}

const CREDENTIAL_RE = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

export class SimulatedServer {
  private server?: Server;
  private readonly modules = new Map<string, ServiceModule>();
  readonly calls: CallRecord[] = [];

  constructor(private readonly hooks: ServerHooks) {}

  register(module: ServiceModule): void {
    this.modules.set(module.signingName, module);
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        // A bug in a module must surface as a 500 the SDK reports, never hang the client.
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulated region internal error: ${(err as Error).stack ?? String(err)}`);
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Calls counted by `service:Action`, including failed and throttled ones. */
  callCounts(service?: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.calls) {
      if (service && c.service !== service) continue;
      const key = service ? c.action : `${c.service}:${c.action}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const auth = headerValue(req.headers.authorization);
    const match = CREDENTIAL_RE.exec(auth);
    const service = match?.[3] ?? '';
    const module = this.modules.get(service);
    if (!match || !module) {
      send(res, {
        status: 400,
        headers: { 'content-type': 'text/plain' },
        body: `the simulated region has no service for this request (signing name "${service}")`,
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = headerValue(v);
    const caller = this.hooks.resolveCaller(match[1] ?? '');
    const simReq: SimRequest = {
      service,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body,
      caller,
      userAgent: caller.userAgent ?? headers['user-agent'] ?? '',
      sourceIp: caller.sourceIp ?? '127.0.0.1',
    };
    const action = module.actionOf(simReq) ?? 'Unknown';

    const fault = await this.hooks.injectFault?.(service, action, simReq);
    if (fault) {
      this.calls.push({ service, action, actor: caller.actor, outcome: `fault:${fault.status}` });
      send(res, fault);
      return;
    }
    const throttler = this.hooks.throttler();
    if (throttler && !throttler.allow(service, module.throttleKey?.(action, simReq) ?? action)) {
      this.calls.push({ service, action, actor: caller.actor, outcome: 'throttled' });
      send(res, module.throttled(action, randomUUID()));
      return;
    }

    const denied = await this.authorize(module, action, simReq);
    const outcome = denied ?? (await module.handle(simReq, this.hooks.env));
    this.calls.push({
      service,
      action: outcome.action,
      actor: caller.actor,
      ...(caller.functionId ? { functionId: caller.functionId } : {}),
      outcome:
        outcome.errorCode ??
        outcome.cloudTrail?.errorCode ??
        (outcome.response.status < 300 ? 'ok' : `http${outcome.response.status}`),
    });
    if (outcome.cloudTrail) this.hooks.onCloudTrail(this.toEvent(outcome.cloudTrail, simReq));
    send(res, outcome.response);
  }

  /**
   * IAM's decision on a request of a governed caller: the service's refusal when IAM denies it, else nothing (the
   * items IAM refused one by one are left on the request for the service).
   */
  private async authorize(
    module: ServiceModule,
    action: string,
    req: SimRequest,
  ): Promise<CallOutcome | undefined> {
    const iam = this.hooks.iam?.();
    if (!iam?.governs(req.caller)) return undefined;
    if (!module.iamChecks || !module.accessDenied) {
      throw new Error(`${module.signingName} has no IAM mapping: ${req.caller.actor} cannot be authorized`);
    }
    const { denial, items } = await iam.authorize(req.caller, module.iamChecks(req, action, this.hooks.env));
    if (denial) return module.accessDenied(req, action, denial, this.hooks.env);
    if (items.size > 0) req.itemDenials = items;
    return undefined;
  }

  private toEvent(parts: CloudTrailParts, req: SimRequest): EventBridgeEvent {
    const { env } = this.hooks;
    const now = env.clock
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const detail: Record<string, unknown> = {
      eventVersion: '1.09',
      userIdentity: req.caller.userIdentity,
      eventTime: now,
      eventSource: parts.eventSource,
      eventName: parts.eventName,
      awsRegion: env.region,
      sourceIPAddress: req.sourceIp,
      userAgent: req.userAgent,
      requestParameters: parts.requestParameters,
      responseElements: parts.responseElements,
      requestID: randomUUID(),
      eventID: env.ids.uuid(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: env.accountId,
      eventCategory: 'Management',
    };
    if (parts.errorCode) {
      detail.errorCode = parts.errorCode;
      detail.errorMessage = parts.errorMessage ?? '';
    }
    return {
      version: '0',
      id: env.ids.uuid(),
      'detail-type': 'AWS API Call via CloudTrail',
      source: parts.source,
      account: env.accountId,
      time: now,
      region: env.region,
      resources: [],
      detail,
    };
  }
}

function headerValue(v: string | string[] | undefined): string {
  if (Array.isArray(v)) return v.join(', ');
  return v ?? '';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: SimResponse): void {
  res.writeHead(r.status, { 'content-length': Buffer.byteLength(r.body), ...(r.headers ?? {}) });
  res.end(r.body);
}
