/**
 * docs/security.md against the synthesized stack: every IAM statement of every function role and of every resource
 * policy has its row (and every row its statement), the release guard holds, no function statement has a wildcard
 * action, and every cdk-nag acknowledgement is listed. The stack is synthesized with every configuration switch on,
 * so statements that only a switch deploys are checked too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nonScopableReason } from '../../infra/permissions';
import { REPO_ROOT } from '../../infra/stack';
import { FUNCTIONS } from '../../shared/app/functions';
import {
  acknowledgements,
  allowedActions,
  asArray,
  EVERY_SWITCH_ON,
  EXEMPT_TAG_KEY,
  nagViolations,
  type PolicyStatement,
  removeAssemblies,
  roleStatements,
  type Synth,
  synth,
} from './helpers';

afterAll(removeAssemblies);

const IDS = FUNCTIONS.map((f) => f.id);
const DOC = readFileSync(join(REPO_ROOT, 'docs/security.md'), 'utf8');
const EVERY_FUNCTION = 'every function';
const NONE = '—';

/** The body of the `## <title>` section. */
function section(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/security.md has no "## ${title}" section`);
  const rest = DOC.slice(start + title.length + 5);
  const end = rest.search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The first markdown table of a section, as rows of cells keyed by the header. */
function table(title: string): Array<Record<string, string>> {
  const lines = section(title)
    .split('\n')
    .filter((l) => l.startsWith('|'));
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
  const [header, , ...rows] = lines;
  const names = cells(header ?? '');
  return rows.map((r) => Object.fromEntries(cells(r).map((c, i) => [names[i] ?? `${i}`, c])));
}

/** `code` spans of a cell. */
const spans = (cell = '') => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
const actionsOf = (cell?: string) => spans(cell).filter((s) => /^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(s));
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const sidCell = (cell = '') => spans(cell)[0] ?? cell;

/** Sids and condition keys that carry configuration values, in the form the doc writes them. */
const docSid = (sid?: string) =>
  sid === undefined
    ? NONE
    : sid.replace(/^(DenyReleaseExempt)\d+$/, '$1<n>').replace(/^(AllowEventRule)\w+$/, '$1<rule>');
const docKey = (key: string) =>
  key.replace(`aws:ResourceTag/${EXEMPT_TAG_KEY}`, 'aws:ResourceTag/<exempt key>');

function conditionKeys(st: PolicyStatement): string[] {
  return Object.values(st.Condition ?? {}).flatMap((block) => Object.keys(block).map(docKey));
}

let s: Synth;
let roles: Map<string, PolicyStatement[]>;
let defaults: Map<string, PolicyStatement[]>;
beforeAll(() => {
  s = synth(EVERY_SWITCH_ON);
  roles = roleStatements(s.template, IDS);
  defaults = roleStatements(synth({}, {}, undefined, { nag: false }).template, IDS);
});

describe('docs/security.md, IAM statements table', () => {
  const rows = () =>
    table('IAM statements').map((r) => ({
      functions: r.function === EVERY_FUNCTION ? IDS : (r.function ?? '').split(',').map((f) => f.trim()),
      sid: sidCell(r.Sid),
      effect: r.effect ?? '',
      actions: actionsOf(r.actions),
      condition: r.condition ?? '',
    }));
  const matches = (row: ReturnType<typeof rows>[number], st: PolicyStatement) =>
    row.sid === docSid(st.Sid) && row.effect === st.Effect && sameSet(row.actions, asArray(st.Action));

  it('names only catalog functions', () => {
    const named = rows().flatMap((r) => r.functions);

    expect(named.length).toBeGreaterThan(IDS.length);
    expect(named.filter((f) => !IDS.includes(f))).toEqual([]);
  });

  it('has a row with the same Sid, effect and actions for every statement of every function role', () => {
    const missing: string[] = [];
    for (const [id, statements] of roles) {
      for (const st of statements) {
        if (!rows().some((r) => r.functions.includes(id) && matches(r, st))) {
          missing.push(`${id}: ${st.Effect} ${docSid(st.Sid)} ${asArray(st.Action).join(', ')}`);
        }
      }
    }

    expect(missing).toEqual([]);
  });

  it('names every condition key of a statement in its row', () => {
    const unnamed: string[] = [];
    for (const [id, statements] of roles) {
      for (const st of statements) {
        const row = rows().find((r) => r.functions.includes(id) && matches(r, st));
        for (const key of conditionKeys(st)) {
          if (row && !spans(row.condition).includes(key)) unnamed.push(`${id}.${docSid(st.Sid)}: ${key}`);
        }
      }
    }

    expect(unnamed).toEqual([]);
  });

  it('lists no statement the stack does not deploy', () => {
    const stale: string[] = [];
    for (const row of rows()) {
      for (const id of row.functions) {
        if (!(roles.get(id) ?? []).some((st) => matches(row, st))) stale.push(`${id}: ${row.sid}`);
      }
    }

    expect(stale).toEqual([]);
  });
});

describe('docs/security.md, resource policies table', () => {
  type Doc = { resource: string; sid: string; effect: string; actions: string[] };
  const rows = (): Doc[] =>
    table('Resource policies').map((r) => ({
      resource: r.resource ?? '',
      sid: sidCell(r.Sid),
      effect: r.effect ?? '',
      actions: actionsOf(r.actions),
    }));

  /** Every statement of the topic, key and queue policies, labelled as the doc's resource column does. */
  function deployed(): Array<{ resource: string; st: PolicyStatement }> {
    const out: Array<{ resource: string; st: PolicyStatement }> = [];
    const add = (type: string, doc: string, label: (st: PolicyStatement) => string) => {
      for (const r of Object.values(s.template.findResources(type))) {
        const statements = (r.Properties[doc] as { Statement: PolicyStatement[] }).Statement;
        for (const st of statements) out.push({ resource: label(st), st });
      }
    };
    add('AWS::SNS::TopicPolicy', 'PolicyDocument', () => 'topic');
    add('AWS::KMS::Key', 'KeyPolicy', () => 'key');
    add('AWS::SQS::QueuePolicy', 'PolicyDocument', (st) =>
      st.Effect === 'Deny' ? 'every DLQ' : 'delivery DLQ',
    );
    return out;
  }
  const matches = (row: Doc, d: { resource: string; st: PolicyStatement }) =>
    row.resource === d.resource &&
    row.sid === docSid(d.st.Sid) &&
    row.effect === d.st.Effect &&
    sameSet(row.actions, asArray(d.st.Action));

  it('has a row for every statement of the topic, key and queue policies, and no other', () => {
    const all = deployed();
    const missing = all.filter((d) => !rows().some((r) => matches(r, d)));
    const stale = rows().filter((r) => !all.some((d) => matches(r, d)));

    expect(all.length).toBeGreaterThan(8);
    expect(missing.map((d) => `${d.resource}: ${docSid(d.st.Sid)}`)).toEqual([]);
    expect(stale.map((r) => `${r.resource}: ${r.sid}`)).toEqual([]);
  });
});

describe('the release guard', () => {
  const protectedKeys = ['eip-keeper:pool', 'eip-keeper:keep', EXEMPT_TAG_KEY];
  const releases = (st: PolicyStatement) => asArray(st.Action).includes('ec2:ReleaseAddress');

  it('lets only the Sweeper release addresses', () => {
    const releasers = [...roles].filter(([, sts]) => allowedActions(sts).has('ec2:ReleaseAddress'));

    expect(releasers.map(([id]) => id)).toEqual(['Sweeper']);
  });

  it('allows ec2:ReleaseAddress only on addresses without the pool and keep tags', () => {
    const allows = (roles.get('Sweeper') ?? []).filter((st) => st.Effect === 'Allow' && releases(st));

    expect(allows).toHaveLength(1);
    expect(allows[0]?.Condition).toEqual({
      Null: { 'aws:ResourceTag/eip-keeper:pool': 'true', 'aws:ResourceTag/eip-keeper:keep': 'true' },
    });
  });

  it.each([
    ['every switch on', () => roles],
    ['release off (defaults)', () => defaults],
  ])('denies releasing a pool-, keep- or exempt-tagged address explicitly (%s)', (_, get) => {
    const statements = get().get('Sweeper') ?? [];
    const allow = roles.get('Sweeper')?.find((st) => st.Effect === 'Allow' && releases(st));
    const denied = statements
      .filter((st) => st.Effect === 'Deny' && releases(st))
      .map((st) => {
        expect(st.Resource).toEqual(allow?.Resource);
        const nulls = Object.entries(st.Condition?.Null ?? {});
        expect(nulls).toHaveLength(1);
        expect(nulls[0]?.[1]).toBe('false');
        return (nulls[0]?.[0] ?? '').replace('aws:ResourceTag/', '');
      });
    const expected = get() === roles ? protectedKeys : protectedKeys.slice(0, 2);

    expect(denied.sort()).toEqual([...expected].sort());
  });
});

describe('function role actions', () => {
  it('never use "*" or a whole-service wildcard, and a wildcard only for a non-scopable family', () => {
    const actions = [...roles.values()].flatMap((sts) => sts.flatMap((st) => asArray(st.Action)));

    expect(actions.length).toBeGreaterThan(50);
    expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
    expect(actions.filter((a) => a.includes('*') && !nonScopableReason(a))).toEqual([]);
  });
});

describe('docs/security.md, cdk-nag section', () => {
  /** A finding id as the doc writes it: partition, region, account and logical-id hashes generic. */
  const generic = (id: string) =>
    id
      .replace(/^Annotation::/, '')
      .replace(/arn:aws:/g, 'arn:<partition>:')
      .replaceAll('eu-west-1', '<region>')
      .replaceAll('123456789012', '<account>')
      .replace(/<([A-Za-z]+?)[0-9A-F]{8}\.Arn>/g, '<$1.Arn>');

  it('leaves no finding unacknowledged with every switch on', () => {
    expect(nagViolations(s.app)).toEqual([]);
  });

  it('lists every acknowledged finding', () => {
    const listed = new Set(spans(section('cdk-nag')));
    const ids = [...new Set(acknowledgements(s.app).map((a) => generic(a.id)))];

    expect(ids.length).toBeGreaterThan(5);
    expect(ids.filter((id) => !listed.has(id))).toEqual([]);
  });
});
