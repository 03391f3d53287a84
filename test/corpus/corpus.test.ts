/**
 * The hostile-event corpus (docs/corpus.md): every file under test/corpus/<category>/ is one EventBridge event and
 * the outcome it must have. Each case runs on its own simulated region (test/corpus/support/world.ts), through the
 * local EventBridge with the patterns the stack deploys, into the real handlers, and must end with: no handler error
 * and no DLQ entry, exactly the expected functions invoked with the expected outcomes, the reason of every refusal in
 * an info-or-louder log line, no mutating EC2 call and no table change beyond what the case expects, and every alert
 * it causes free of forged lines, mentions, links and markup.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import type { EventBridgeEvent } from '../../local/core/types';
import { SimulatedRegion } from '../../local/region';
import { InitialStateSchema, parseDuration } from '../../local/scenario/schema';
import { seedRegion } from '../../local/scenario/seed';
import { ACCOUNT, mergeConfig, mergeState, REGION, START } from './support/world';

const CORPUS_DIR = 'test/corpus';
const MIN_CASES = 60;

const Outcome = z.enum(['rejected', 'ignored', 'not-routed', 'processed']);
/** Handler result outcomes as the handlers return them (`outcome` of each function's result). */
const HandlerOutcome = z.string().min(1);
const FunctionExpect = z.union([
  HandlerOutcome,
  z.object({ outcome: HandlerOutcome, reason: z.string().min(1).optional() }).strict(),
]);
const AfterStep = z.union([
  z.object({ advance: z.union([z.string(), z.number()]) }).strict(),
  z.object({ invoke: z.string().min(1) }).strict(),
]);
const AlertsExpect = z
  .object({
    /** Exact number of SNS messages the event and the `after` steps cause. */
    count: z.number().int().min(1),
    /** Texts the chat notification (decoded JSON strings) must show: proof that the value is there, escaped. */
    chatContains: z.array(z.string()).default([]),
    /** Texts that must appear nowhere in the chat notification. */
    chatExcludes: z.array(z.string()).default([]),
    /** Texts the e-mail body must show. */
    emailContains: z.array(z.string()).default([]),
    /** Texts that must appear nowhere in the e-mail body. */
    emailExcludes: z.array(z.string()).default([]),
    /** No line of the e-mail body may start with these (forged headers or lines). */
    emailNoLineStartsWith: z.array(z.string()).default([]),
  })
  .strict();

const CaseSchema = z
  .object({
    description: z.string().min(10),
    event: z.record(z.string(), z.unknown()),
    /** Also invoke these functions with the event directly (a manual invoke, or a rule broader than ours). */
    direct: z.array(z.string()).optional(),
    /** Added to the base region (support/world.ts): arrays appended, other keys replaced. */
    state: z.record(z.string(), z.unknown()).optional(),
    /** Replaces top-level keys of the base configuration. */
    config: z.record(z.string(), z.unknown()).optional(),
    /** Events delivered first (the history the case needs); their effects are not asserted. */
    before: z.array(z.record(z.string(), z.unknown())).optional(),
    /**
     * ENIs EC2 no longer has by the time their deletion record arrives: each is deleted (without an event) right
     * before the first DeleteNetworkInterface naming it, in `before` or the case's own event.
     */
    gone: z.array(z.string()).optional(),
    /** Steps after the event, e.g. `{ "advance": "2h" }` to let the sweeper run and alert. */
    after: z.array(AfterStep).optional(),
    expect: z
      .object({
        outcome: Outcome,
        /** Every function the event reaches, with its result's `outcome` (and reason to find in its logs). */
        functions: z.record(z.string(), FunctionExpect).default({}),
        /** Deliveries, when a function has several rules the event matches (default: one per function). */
        invocations: z.number().int().min(1).optional(),
        /** Reason to find in the logs of every refusing function that has no reason of its own. */
        reason: z.string().min(1).optional(),
        /** Mutating EC2 calls (not Describe*) by the event and `after`: a total, or counts by action. */
        mutatingEc2Calls: z.union([z.number().int().min(0), z.record(z.string(), z.number().int().min(1))]),
        /** Item kinds (`eip`, `eni`, `eip-hist`, `pool-claim`, ...) the event may add, change or delete. */
        tableChanges: z.array(z.string()).default([]),
        alerts: AlertsExpect.optional(),
      })
      .strict(),
  })
  .strict();

type CorpusCase = z.infer<typeof CaseSchema>;

function listCaseFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listCaseFiles(path));
    else if (entry.name.endsWith('.json')) out.push(path);
  }
  return out.sort();
}

/**
 * Oversized payloads stay readable in the files: `{"$repeat": s, "count": n}` is s repeated n times,
 * `{"$concat": [...]}` joins its (expanded) parts, `{"$array": template, "count": n}` is n copies of the template with
 * `{i}` in its strings replaced by the copy's index.
 */
function expand(value: unknown, i?: number): unknown {
  if (typeof value === 'string') return i === undefined ? value : value.replaceAll('{i}', String(i));
  if (Array.isArray(value)) return value.map((v) => expand(v, i));
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (typeof o.$repeat === 'string' && typeof o.count === 'number') return o.$repeat.repeat(o.count);
  if (Array.isArray(o.$concat)) return o.$concat.map((v) => expand(v, i)).join('');
  if ('$array' in o && typeof o.count === 'number')
    return Array.from({ length: o.count }, (_, n) => expand(o.$array, n));
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, expand(v, i)]));
}

const cases = listCaseFiles(CORPUS_DIR).map((path) => {
  const name = relative(CORPUS_DIR, path);
  const parsed = CaseSchema.safeParse(expand(JSON.parse(readFileSync(path, 'utf8'))));
  if (!parsed.success) throw new Error(`invalid corpus case ${name}: ${parsed.error.message}`);
  return { name, category: name.split('/')[0] ?? '', c: parsed.data };
});

/** What a function's result outcome means for the case: refused as invalid, left alone, or acted on. */
function classOf(handlerOutcome: string): 'rejected' | 'ignored' | 'processed' {
  if (handlerOutcome === 'rejected') return 'rejected';
  if (handlerOutcome === 'skipped') return 'ignored';
  return 'processed';
}

const isMutating = (action: string) => !/^(Describe|Get|List)/.test(action);

function countsOf(actions: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of actions) counts[a] = (counts[a] ?? 0) + 1;
  return counts;
}

type Items = Record<string, Record<string, unknown>[]>;

/** The kinds of the items added, removed or changed between two table scans. */
function changedKinds(before: Items, after: Items): string[] {
  const index = (items: Items) => {
    const m = new Map<string, { kind: string; json: string }>();
    for (const [kind, list] of Object.entries(items))
      for (const item of list) m.set(`${item.PK}|${item.SK}`, { kind, json: JSON.stringify(item) });
    return m;
  };
  const a = index(before);
  const b = index(after);
  const kinds = new Set<string>();
  for (const [key, v] of a) if (b.get(key)?.json !== v.json) kinds.add(v.kind);
  for (const [key, v] of b) if (a.get(key)?.json !== v.json) kinds.add(v.kind);
  return [...kinds].sort();
}

/** Every string inside a JSON value (the chat notification's title, description, next steps, ...). */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

interface Alert {
  subject: string;
  email: string;
  chat: string;
}

/** Splits an SNS message (`MessageStructure=json`) into its e-mail text and the chat notification's strings. */
function alertOf(m: { subject?: string; message: string; messageStructure?: string }): Alert {
  const body = m.messageStructure === 'json' ? (JSON.parse(m.message) as Record<string, string>) : {};
  const email = body.email ?? body.default ?? m.message;
  const chatJson = body.https ?? '';
  const chat = chatJson ? stringsOf(JSON.parse(chatJson)).join('\n') : '';
  return { subject: m.subject ?? '', email, chat };
}

/** Control sequences chat clients act on (Slack: mentions, links; Markdown links; HTML), never allowed raw. */
const CHAT_CONTROL = [
  /<[!@#]/,
  /<(https?|mailto|tel):/i,
  /<\/?(script|img|a|iframe|svg|style|object)\b/i,
  /\]\(\s*(https?|mailto|javascript):/i,
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2028\u2029]/;

function checkAlert(a: Alert): void {
  // SNS: ASCII, one line, fewer than 100 characters (the simulated SNS would have refused it anyway).
  expect(a.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
  expect(a.email).not.toMatch(/\r/);
  expect(a.email).not.toMatch(HIDDEN);
  expect(a.chat).not.toMatch(HIDDEN);
  for (const re of CHAT_CONTROL) expect(a.chat, `chat text matches ${re}`).not.toMatch(re);
}

interface CaseRun {
  invoked: { functionId: string; outcome?: string; reason?: string }[];
  errors: string[];
  dlq: number;
  logs: { functionId: string; level: string; text: string }[];
  mutating: Record<string, number>;
  tableChanges: string[];
  alerts: Alert[];
}

const dynamoEndpoint = inject('dynamoEndpoint');

async function runCase(c: CorpusCase): Promise<CaseRun> {
  const region = await SimulatedRegion.start({
    dynamoEndpoint,
    config: mergeConfig(c.config),
    region: REGION,
    accountId: ACCOUNT,
    start: START,
  });
  try {
    seedRegion(region, InitialStateSchema.parse(mergeState(c.state)), new Map());
    const gone = new Set(c.gone ?? []);
    /** Deletes from EC2 the ENI a DeleteNetworkInterface record names, when the case says it is gone by then. */
    const removeIfGone = (e: Record<string, unknown>) => {
      const d = e.detail as { eventName?: unknown; requestParameters?: { networkInterfaceId?: unknown } };
      const id = d?.requestParameters?.networkInterfaceId;
      if (d?.eventName === 'DeleteNetworkInterface' && typeof id === 'string' && gone.delete(id))
        region.ec2.deleteNetworkInterface(id);
    };
    for (const e of c.before ?? []) {
      removeIfGone(e);
      await region.putEvent(e as unknown as EventBridgeEvent);
    }
    removeIfGone(c.event);
    const mark = {
      calls: region.server.calls.length,
      logs: region.logs.length,
      invocations: region.bus.invocations.length,
      sns: region.sns.messages.length,
    };
    const tableBefore = await region.tableItemsByKind();
    const event = c.event as unknown as EventBridgeEvent;
    await region.putEvent(event);
    for (const fn of c.direct ?? []) await region.invoke(fn, event);
    // The case's own event (what it caused, e.g. the keeper's AssociateAddress record, is checked only for errors).
    const invoked = region.bus.invocations
      .slice(mark.invocations)
      .filter((i) => i.eventId === event.id)
      .map((i) => {
        const result = (i.result ?? {}) as { outcome?: unknown; reason?: unknown };
        return {
          functionId: i.functionId,
          ...(typeof result.outcome === 'string' ? { outcome: result.outcome } : {}),
          ...(typeof result.reason === 'string' ? { reason: result.reason } : {}),
        };
      });
    const logs = region.logs.slice(mark.logs).map((l) => ({
      functionId: l.functionId,
      level: l.level,
      text: [
        l.message,
        ...Object.entries(l.extra ?? {}).map(
          ([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
        ),
      ].join(' '),
    }));
    const tableChanges = changedKinds(tableBefore, await region.tableItemsByKind());
    for (const step of c.after ?? []) {
      if ('invoke' in step) {
        await region.invoke(step.invoke);
        continue;
      }
      const ms = parseDuration(step.advance);
      if (ms === undefined) throw new Error(`not a duration: ${step.advance}`);
      await region.advance(ms);
    }
    return {
      invoked,
      // Any failed attempt counts, also one a retry would have repaired: a hostile event must not make a handler throw.
      errors: region.bus.invocations
        .filter((i) => i.outcome === 'error')
        .map((i) => `${i.functionId}: ${i.error}`),
      dlq: region.bus.dlq.length,
      logs,
      mutating: countsOf(
        region.server.calls
          .slice(mark.calls)
          .filter((call) => call.service === 'ec2' && isMutating(call.action))
          .map((call) => call.action),
      ),
      tableChanges,
      alerts: region.sns.messages.slice(mark.sns).map(alertOf),
    };
  } finally {
    await region.stop();
  }
}

function checkCase(c: CorpusCase, run: CaseRun): void {
  const x = c.expect;
  expect(run.errors, 'handler errors').toEqual([]);
  expect(run.dlq, 'DLQ entries').toBe(0);

  // Exactly the expected functions, each with the expected outcome.
  const expected = Object.fromEntries(
    Object.entries(x.functions).map(([fn, f]) => [fn, typeof f === 'string' ? f : f.outcome]),
  );
  const actual: Record<string, string> = {};
  for (const i of run.invoked) actual[i.functionId] = i.outcome ?? '(no outcome)';
  expect(actual, 'functions invoked and their outcomes').toEqual(expected);
  expect(run.invoked.length, 'one invocation per routed function').toBe(
    x.invocations ?? Object.keys(expected).length,
  );

  const classes = Object.values(actual).map(classOf);
  const overall =
    classes.length === 0
      ? 'not-routed'
      : classes.includes('processed')
        ? 'processed'
        : classes.includes('rejected')
          ? 'rejected'
          : 'ignored';
  expect(overall, 'overall outcome').toBe(x.outcome);

  // Every refusal is logged (info or louder: what Lambda's default log level keeps) with its reason.
  for (const [fn, f] of Object.entries(x.functions)) {
    const outcome = typeof f === 'string' ? f : f.outcome;
    if (classOf(outcome) === 'processed') continue;
    const reason = (typeof f === 'string' ? undefined : f.reason) ?? x.reason;
    expect(reason, `${fn} refuses the event: the case must say which reason it logs`).toBeDefined();
    const lines = run.logs.filter((l) => l.functionId === fn && l.level !== 'debug').map((l) => l.text);
    expect(
      lines.some((l) => l.includes(reason as string)),
      `${fn} logs "${reason}" at info or above; it logged: ${JSON.stringify(lines)}`,
    ).toBe(true);
  }

  const mutatingTotal = Object.values(run.mutating).reduce((s, n) => s + n, 0);
  if (typeof x.mutatingEc2Calls === 'number')
    expect(mutatingTotal, 'mutating EC2 calls').toBe(x.mutatingEc2Calls);
  else expect(run.mutating, 'mutating EC2 calls').toEqual(x.mutatingEc2Calls);

  expect(run.tableChanges, 'kinds of table items changed').toEqual([...x.tableChanges].sort());

  for (const a of run.alerts) checkAlert(a);
  if (!x.alerts) {
    expect(
      run.alerts.map((a) => a.subject),
      'alerts',
    ).toEqual([]);
    return;
  }
  expect(run.alerts.length, 'alerts').toBe(x.alerts.count);
  const chat = run.alerts.map((a) => a.chat).join('\n');
  const email = run.alerts.map((a) => a.email).join('\n');
  for (const s of x.alerts.chatContains) expect(chat).toContain(s);
  for (const s of x.alerts.chatExcludes) expect(chat).not.toContain(s);
  for (const s of x.alerts.emailContains) expect(email).toContain(s);
  for (const s of x.alerts.emailExcludes) expect(email).not.toContain(s);
  const lines = email.split('\n').map((l) => l.trimStart());
  for (const s of x.alerts.emailNoLineStartsWith) {
    expect(
      lines.filter((l) => l.startsWith(s)),
      `e-mail lines starting with ${s}`,
    ).toEqual([]);
  }
}

describe('the hostile-event corpus', () => {
  it(`has at least ${MIN_CASES} cases`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(MIN_CASES);
  });

  for (const category of [...new Set(cases.map((k) => k.category))]) {
    // One case at a time: on two cores (and DynamoDB Local's JVM) concurrent regions only slow each other down.
    describe(category, () => {
      for (const k of cases.filter((x) => x.category === category)) {
        it(`${k.name}: ${k.c.description}`, async () => {
          checkCase(k.c, await runCase(k.c));
        });
      }
    });
  }

  // Runs after every case (tests run in order): a case that polluted the prototype would show here.
  it('leaves Object.prototype as it was', () => {
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
