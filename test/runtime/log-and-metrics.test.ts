/** The Lambda shell's JSON log lines and EMF metric documents, read back as CloudWatch would read them. */
import { describe, expect, it } from 'vitest';
import { emfMetrics } from '../../shared/runtime/emf';
import { jsonLog, logLevelOf } from '../../shared/runtime/json-log';

const T = new Date('2026-12-05T10:00:00.000Z');

function captured() {
  const lines: string[] = [];
  return { lines, write: (line: string) => lines.push(line), docs: () => lines.map((l) => JSON.parse(l)) };
}

/** What CloudWatch requires of an EMF document: every declared metric and dimension present as a key. */
function emfProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const aws = doc._aws as { Timestamp: unknown; CloudWatchMetrics: Array<Record<string, unknown>> };
  if (typeof aws?.Timestamp !== 'number') problems.push('no Timestamp');
  for (const d of aws.CloudWatchMetrics) {
    const metrics = d.Metrics as Array<{ Name: string }>;
    if (metrics.length > 100) problems.push('more than 100 metrics');
    for (const { Name } of metrics) if (!(Name in doc)) problems.push(`metric ${Name} has no value`);
    for (const set of d.Dimensions as string[][])
      for (const k of set) if (typeof doc[k] !== 'string') problems.push(`dimension ${k}`);
  }
  return problems;
}

describe('EMF metrics', () => {
  it('writes the invocation metrics together at flush, with the service dimension, repeated values as a list', () => {
    const out = captured();
    const m = emfMetrics('EipKeeper', 'sweeper', out.write, () => T.getTime());
    m.add('OrphanAddresses', 3);
    m.add('IdleCostUsd', 1.5, 'None');
    m.add('OrphanAddresses', 2);
    expect(out.lines).toEqual([]);
    m.flush();
    const [doc] = out.docs();
    expect(emfProblems(doc)).toEqual([]);
    expect(doc._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'EipKeeper',
      Dimensions: [['service']],
      Metrics: [
        { Name: 'OrphanAddresses', Unit: 'Count' },
        { Name: 'IdleCostUsd', Unit: 'None' },
      ],
    });
    expect(doc).toMatchObject({ service: 'sweeper', OrphanAddresses: [3, 2], IdleCostUsd: 1.5 });
    m.flush();
    expect(out.lines).toHaveLength(1);
  });

  it('writes a metric with its own dimensions at once, in its own document', () => {
    const out = captured();
    const m = emfMetrics('EipKeeper', 'keeper', out.write, () => T.getTime());
    m.add('PoolExhausted', 1, 'Count', { pool: 'payments' });
    const [doc] = out.docs();
    expect(emfProblems(doc)).toEqual([]);
    expect(doc._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'pool']]);
    expect(doc).toMatchObject({ service: 'keeper', pool: 'payments', PoolExhausted: 1 });
  });

  it('keeps every document within the format limits: 100 metrics, 100 values each', () => {
    const out = captured();
    const m = emfMetrics('EipKeeper', 'auditor', out.write, () => T.getTime());
    for (let i = 0; i < 150; i++) m.add(`Metric${i}` as never, i);
    for (let i = 0; i < 250; i++) m.add('Many' as never, i);
    m.flush();
    const docs = out.docs();
    expect(docs.flatMap(emfProblems)).toEqual([]);
    const values = docs.flatMap((d) => [d.Many ?? []].flat());
    expect(values).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(docs.every((d) => [d.Many ?? []].flat().length <= 100)).toBe(true);
    expect(docs.reduce((n, d) => n + d._aws.CloudWatchMetrics[0].Metrics.length, 0)).toBe(151 + 2);
  });
});

describe('JSON log', () => {
  it('writes one JSON object per line with level, message, time, service and the extra keys', () => {
    const out = captured();
    jsonLog('keeper', {}, out.write, () => T).info('associated', { eni: 'eni-1', attempt: 2 });
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]?.endsWith('\n')).toBe(true);
    expect(out.docs()[0]).toEqual({
      level: 'INFO',
      message: 'associated',
      timestamp: T.toISOString(),
      service: 'keeper',
      eni: 'eni-1',
      attempt: 2,
    });
  });

  it('writes an Error as its name, message and stack, survives a cycle, and never lets extra keys replace its own', () => {
    const out = captured();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const err = new TypeError('boom');
    jsonLog('sweeper', {}, out.write, () => T).error('failed', { err, cyclic, level: 'DEBUG', message: 'x' });
    const doc = out.docs()[0];
    expect(doc.err).toMatchObject({ name: 'TypeError', message: 'boom' });
    expect(doc.err.stack).toContain('boom');
    expect(doc.cyclic).toEqual({ a: 1, self: '[Circular]' });
    expect([doc.level, doc.message]).toEqual(['ERROR', 'failed']);
  });

  it("honours Lambda's log level first, then POWERTOOLS_LOG_LEVEL, then LOG_LEVEL; an unknown name is INFO", () => {
    expect(logLevelOf({})).toBe('INFO');
    expect(logLevelOf({ AWS_LAMBDA_LOG_LEVEL: 'ERROR', POWERTOOLS_LOG_LEVEL: 'DEBUG' })).toBe('ERROR');
    expect(logLevelOf({ POWERTOOLS_LOG_LEVEL: 'warn', LOG_LEVEL: 'DEBUG' })).toBe('WARN');
    expect(logLevelOf({ LOG_LEVEL: 'verbose' })).toBe('INFO');
    const out = captured();
    const log = jsonLog('auditor', { POWERTOOLS_LOG_LEVEL: 'WARN' }, out.write, () => T);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.docs().map((d) => d.level)).toEqual(['WARN', 'ERROR']);
  });

  it('writes an object that appears twice in full both times; only an object inside itself is a cycle', () => {
    const out = captured();
    const shared = { pool: 'payments', members: ['eipalloc-1'] };
    const cyclic: Record<string, unknown> = { a: 1, shared };
    cyclic.self = { back: cyclic };
    jsonLog('keeper', {}, out.write, () => T).info('m', {
      a: shared,
      b: shared,
      list: [shared, shared],
      cyclic,
    });
    const doc = out.docs()[0];
    expect([doc.a, doc.b, ...doc.list]).toEqual([shared, shared, shared, shared]);
    expect(doc.cyclic).toEqual({ a: 1, shared, self: { back: '[Circular]' } });
  });

  it("takes Lambda's FATAL as the level above ERROR and TRACE as below DEBUG", () => {
    expect(logLevelOf({ AWS_LAMBDA_LOG_LEVEL: 'FATAL', POWERTOOLS_LOG_LEVEL: 'DEBUG' })).toBe('CRITICAL');
    expect(logLevelOf({ AWS_LAMBDA_LOG_LEVEL: 'fatal' })).toBe('CRITICAL');
    expect(logLevelOf({ AWS_LAMBDA_LOG_LEVEL: 'TRACE' })).toBe('TRACE');
    const levelsWritten = (level: string) => {
      const out = captured();
      const log = jsonLog('keeper', { AWS_LAMBDA_LOG_LEVEL: level }, out.write, () => T);
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      return out.docs().map((d) => d.level);
    };
    expect(levelsWritten('FATAL')).toEqual([]);
    expect(levelsWritten('TRACE')).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR']);
  });

  it('adds the X-Ray trace id Lambda sets for the invocation', () => {
    const out = captured();
    const env: Record<string, string> = {};
    const log = jsonLog('keeper', env, out.write, () => T);
    env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    log.info('traced');
    expect(out.docs()[0].xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
  });
});
