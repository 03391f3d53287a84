/**
 * A metering proxy in front of DynamoDB Local: it adds `ReturnConsumedCapacity: TOTAL` to every request that
 * accepts it and sums the capacity DynamoDB reports, per operation. Handlers are unchanged; the benchmarks point
 * the region's DynamoDB endpoint at the proxy to report read/write units per event.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const ACCEPTS_CAPACITY = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

export interface CapacityTotals {
  calls: Record<string, number>;
  capacityUnits: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export class DynamoDbMeter {
  private server?: Server;
  totals: CapacityTotals = { calls: {}, capacityUnits: {}, readUnits: 0, writeUnits: 0 };

  constructor(private readonly upstream: string) {}

  reset(): void {
    this.totals = { calls: {}, capacityUnits: {}, readUnits: 0, writeUnits: 0 };
  }

  async start(): Promise<string> {
    const up = new URL(this.upstream);
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
        let body = Buffer.concat(chunks).toString('utf8');
        if (ACCEPTS_CAPACITY.has(op)) {
          const json = JSON.parse(body) as Record<string, unknown>;
          json.ReturnConsumedCapacity = 'TOTAL';
          body = JSON.stringify(json);
        }
        // The SDK signed the original body; DynamoDB Local does not verify signatures, so re-sizing is safe here.
        const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(body)) };
        const upstreamReq = request(
          { hostname: up.hostname, port: up.port, path: req.url, method: req.method, headers },
          (upRes) => {
            const out: Buffer[] = [];
            upRes.on('data', (c: Buffer) => out.push(c));
            upRes.on('end', () => {
              const text = Buffer.concat(out).toString('utf8');
              this.record(op, text);
              res.writeHead(upRes.statusCode ?? 500, upRes.headers);
              res.end(text);
            });
          },
        );
        upstreamReq.on('error', (err) => {
          res.writeHead(502);
          res.end(String(err));
        });
        upstreamReq.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private record(op: string, responseText: string): void {
    this.totals.calls[op] = (this.totals.calls[op] ?? 0) + 1;
    let parsed: { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
    try {
      parsed = JSON.parse(responseText);
    } catch {
      return;
    }
    const list = Array.isArray(parsed.ConsumedCapacity)
      ? parsed.ConsumedCapacity
      : parsed.ConsumedCapacity
        ? [parsed.ConsumedCapacity]
        : [];
    for (const c of list) {
      const units = c.CapacityUnits ?? 0;
      this.totals.capacityUnits[op] = (this.totals.capacityUnits[op] ?? 0) + units;
      const isRead = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'].includes(op);
      if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
        this.totals.readUnits += c.ReadCapacityUnits ?? 0;
        this.totals.writeUnits += c.WriteCapacityUnits ?? 0;
      } else if (isRead) this.totals.readUnits += units;
      else this.totals.writeUnits += units;
    }
  }
}
