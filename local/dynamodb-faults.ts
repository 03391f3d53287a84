/**
 * DynamoDB as AWS answers it, in front of DynamoDB Local: an HTTP proxy the functions' DynamoDB clients call. It
 * refuses what IAM denies the caller (`AccessDeniedException`, checks from local/dynamodb-iam.ts; DynamoDB Local
 * evaluates no IAM); answers a seeded share of requests with DynamoDB's throttling errors in DynamoDB's own JSON error
 * format, so the SDK's retry strategy runs exactly as against AWS; refuses the calls of invocations the handler
 * faults end (`local/invocation-faults.ts`); and reports what DynamoDB's CloudWatch metrics would show
 * (`ThrottledRequests`, `ConditionalCheckFailedRequests`, by operation). Everything else passes through unchanged.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hash01 } from './invocation-faults';

export interface DynamoDbThrottling {
  /** Probability (0–1) that a request is throttled (each retry decided anew). */
  probability: number;
  /** Only these operations (`TransactWriteItems`, `Query`, …); all when absent. */
  operations?: string[];
  /** The error returned (default `ProvisionedThroughputExceededException`); the SDK retries both. */
  errorCode?: 'ProvisionedThroughputExceededException' | 'ThrottlingException';
  /**
   * Throttled transactions fail as `TransactionCanceledException` with a `ThrottlingError` cancellation reason, as
   * DynamoDB may report them; the SDK does not retry those.
   */
  cancelTransactions?: boolean;
}

export interface DynamoDbFaultHooks {
  /** True when the call belongs to an invocation that dies here: it is refused (nobody reads the answer). */
  stopsAt?(sdkInvocationId: string | undefined, operation: string): boolean;
  /** A CloudWatch metric of the table (`ThrottledRequests`, `ConditionalCheckFailedRequests`), per operation. */
  metric?(name: string, operation: string): void;
  /** IAM's refusal of a request signed with `accessKeyId`, or undefined when IAM allows it. */
  authorize?(accessKeyId: string, operation: string, body: string): Promise<Answer | undefined>;
}

const JSON_TYPE = 'application/x-amz-json-1.0';
const SINGLE_ITEM_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const MESSAGES = {
  ProvisionedThroughputExceededException:
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  ThrottlingException: 'Rate of requests exceeds the allowed throughput.',
} as const;
const ERROR_NAMESPACE = {
  ProvisionedThroughputExceededException: 'com.amazonaws.dynamodb.v20120810',
  ThrottlingException: 'com.amazon.coral.availability',
} as const;

export interface Answer {
  status: number;
  body: string;
}

const CREDENTIAL_RE = /Credential=([^/]+)\//;

function errorAnswer(status: number, type: string, body: Record<string, unknown>): Answer {
  return { status, body: JSON.stringify({ __type: type, ...body }) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class DynamoDbFaultLayer {
  private server?: Server;
  private throttling?: DynamoDbThrottling;
  /** Requests seen per (operation, body), so a retry of the same request rolls again. */
  private readonly seen = new Map<string, number>();
  private readonly agent = new Agent({ keepAlive: true });

  constructor(
    private readonly upstream: string,
    private readonly seed: number,
    private readonly hooks: DynamoDbFaultHooks = {},
  ) {}

  /** Switches throttling on (or off with `undefined`). */
  setThrottling(throttling: DynamoDbThrottling | undefined): void {
    this.throttling = throttling && throttling.probability > 0 ? { ...throttling } : undefined;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.serve(req)
        .then(({ status, headers, body }) => {
          res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`DynamoDB fault layer: ${String(err)}`);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.agent.destroy();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    const body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
    const sdkInvocationId = req.headers['amz-sdk-invocation-id'];
    const accessKeyId = CREDENTIAL_RE.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const injected =
      this.stopped(operation, typeof sdkInvocationId === 'string' ? sdkInvocationId : undefined) ??
      (await this.hooks.authorize?.(accessKeyId, operation, body)) ??
      this.inject(operation, body);
    if (injected) {
      return {
        status: injected.status,
        headers: { 'content-type': JSON_TYPE, 'x-amzn-requestid': randomUUID() },
        body: injected.body,
      };
    }
    const answer = await this.forward(req, body);
    if (answer.status === 400 && SINGLE_ITEM_WRITES.has(operation)) {
      if (answer.body.includes('ConditionalCheckFailedException'))
        this.hooks.metric?.('ConditionalCheckFailedRequests', operation);
    }
    return answer;
  }

  /** The refusal of a call of an invocation the handler faults ended (nobody reads the answer). */
  private stopped(operation: string, sdkInvocationId: string | undefined): Answer | undefined {
    if (!this.hooks.stopsAt?.(sdkInvocationId, operation)) return undefined;
    return errorAnswer(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', {
      message: 'the calling invocation was stopped',
    });
  }

  private inject(operation: string, body: string): Answer | undefined {
    const t = this.throttling;
    if (!t || (t.operations && !t.operations.includes(operation))) return undefined;
    const key = `${operation}\u0000${body}`;
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    if (hash01(this.seed, 'dynamodb-throttling', key, n) >= t.probability) return undefined;
    this.hooks.metric?.('ThrottledRequests', operation);
    if (t.cancelTransactions && operation === 'TransactWriteItems') {
      let items = 1;
      try {
        items = Math.max(1, (JSON.parse(body) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1);
      } catch {
        // keep one reason
      }
      const codes = ['ThrottlingError', ...Array.from({ length: items - 1 }, () => 'None')];
      return errorAnswer(400, 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException', {
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
        CancellationReasons: codes.map((Code) =>
          Code === 'None' ? { Code } : { Code, Message: 'Throttling error' },
        ),
      });
    }
    const code = t.errorCode ?? 'ProvisionedThroughputExceededException';
    return errorAnswer(400, `${ERROR_NAMESPACE[code]}#${code}`, { message: MESSAGES[code] });
  }

  private forward(
    req: IncomingMessage,
    body: string,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
    const up = new URL(this.upstream);
    return new Promise((resolve, reject) => {
      const upstreamReq = request(
        {
          hostname: up.hostname,
          port: up.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
          agent: this.agent,
        },
        (upRes) => {
          const out: Buffer[] = [];
          upRes.on('data', (c: Buffer) => out.push(c));
          upRes.on('end', () => {
            const headers = { ...upRes.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            delete headers.connection;
            resolve({
              status: upRes.statusCode ?? 500,
              headers,
              body: Buffer.concat(out).toString('utf8'),
            });
          });
          upRes.on('error', reject);
        },
      );
      upstreamReq.on('error', reject);
      upstreamReq.end(body);
    });
  }
}
