/**
 * The package as another team's CDK app installs it: built once (`npm run build:lib`), packed with `npm pack`, the
 * tarball unpacked into a separate folder as `node_modules/eip-keeper` beside links to this repository's aws-cdk-lib,
 * constructs and cdk-nag (nothing else: no TypeScript sources, no esbuild, no network), and a plain JavaScript app
 * that imports `eip-keeper` by name synthesized there with cdk-nag's AWS Solutions checks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIDECAR_MODULES } from '../../infra/constructs/bundling';
import { kebabCase } from '../../infra/constructs/event-function';
import { buildLib, LIB_DIR } from '../../infra/lib/build';
import { REPO_ROOT } from '../../infra/stack';
import { FUNCTIONS } from '../../shared/app/functions';
import { hubIngest } from '../../shared/hub/function-spec';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

const PEERS = ['aws-cdk-lib', 'constructs', 'cdk-nag'];
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

let dir: string;
let violations: Array<{ rule: string; severity: string }>;
let resources: Record<string, Resource>;
let assembly: string;

beforeAll(async () => {
  await buildLib();
  dir = mkdtempSync(join(tmpdir(), 'eip-keeper-consumer-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  )[0] as { filename: string };
  const app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, packed.filename), '-C', dir]);
  cpSync(join(dir, 'package'), join(app, 'node_modules', 'eip-keeper'), { recursive: true });
  for (const peer of PEERS)
    symlinkSync(join(REPO_ROOT, 'node_modules', peer), join(app, 'node_modules', peer));
  cpSync(join(REPO_ROOT, 'test/infra/fixtures/consumer-app.mjs'), join(app, 'app.mjs'));
  assembly = join(dir, 'cdk.out');
  const out = execFileSync(process.execPath, ['app.mjs', assembly], { cwd: app, encoding: 'utf8' });
  violations = JSON.parse(out.trim().split('\n').at(-1) as string);
  resources = JSON.parse(readFileSync(join(assembly, 'Platform.template.json'), 'utf8')).Resources;
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const tagsOf = (r: Resource) =>
  Object.fromEntries(
    ((r.Properties.Tags as Array<{ Key: string; Value: string }>) ?? []).map((t) => [t.Key, t.Value]),
  );

describe('eip-keeper installed from its package into another CDK app', () => {
  it('refuses to run the CLI from the installed package, saying where it runs (exit 2, no stack trace)', () => {
    const cli = spawnSync(
      process.execPath,
      [join(dir, 'app', 'node_modules', 'eip-keeper', 'bin', 'eip-keeper.js'), 'help'],
      {
        cwd: join(dir, 'app'),
        encoding: 'utf8',
      },
    );
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/runs from a clone of the eip-keeper repository/);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });

  it('synthesizes with no cdk-nag finding left', () => {
    expect(violations).toEqual([]);
  });

  it("runs every catalog function from the package's pre-bundled handler, nothing bundled at synth", () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(FUNCTIONS.length);
    const packaged = new Map(
      FUNCTIONS.map((spec) => [sha(join(LIB_DIR, 'functions', kebabCase(spec.id), 'index.mjs')), spec.id]),
    );
    const found = new Set<string>();
    for (const [, fn] of functions) {
      const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      const asset = join(assembly, `asset.${key}`);
      const id = packaged.get(sha(join(asset, 'index.mjs'))) ?? `unknown code in ${asset}`;
      found.add(id);
      // The bundle, its source map and the modules it loads from beside it (the auditor's yaml.mjs).
      const sidecars = (FUNCTIONS.find((f) => f.id === id)?.sidecarModules ?? []).map(
        (m) => SIDECAR_MODULES[m].file,
      );
      expect(readdirSync(asset).sort()).toEqual(['index.mjs', 'index.mjs.map', ...sidecars].sort());
      expect(fn.Properties.Handler).toBe('index.handler');
    }
    expect([...found].sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
  });

  it("builds the organization hub from the package, its function the package's pre-bundled hub handler", () => {
    const hub = JSON.parse(readFileSync(join(assembly, 'SecurityHub.template.json'), 'utf8'))
      .Resources as Record<string, Resource>;
    const functions = Object.values(hub).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(1);
    const [fn] = functions as [Resource];
    const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    expect(sha(join(assembly, `asset.${key}`, 'index.mjs'))).toBe(
      sha(join(LIB_DIR, 'functions', kebabCase(hubIngest.id), 'index.mjs')),
    );
  });

  it("publishes to the team's own topic: no topic of its own, the functions and the topic policy name it", () => {
    const topics = ofType('AWS::SNS::Topic').map(([id]) => id);
    expect(topics).toEqual([expect.stringMatching(/^TeamAlerts/)]);
    const teamTopic = { Ref: topics[0] };
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.EIP_KEEPER_TOPIC_ARN).toEqual(teamTopic);
    }
    const sids = ofType('AWS::SNS::TopicPolicy').flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: Array<{ Sid?: string }> }).Statement.map((s) => s.Sid),
    );
    expect(sids).toEqual(
      expect.arrayContaining(['AllowEipKeeperFunctionsToPublish', 'AllowCloudWatchAlarmsToPublish']),
    );
    const teamKey = ofType('AWS::KMS::Key').find(([id]) => id.startsWith('TeamKey'))?.[1];
    const keyPolicy = teamKey?.Properties.KeyPolicy as { Statement: Array<{ Sid?: string }> } | undefined;
    const keySids = keyPolicy?.Statement.map((s) => s.Sid);
    // The alarms publish to the team's encrypted topic.
    expect(keySids).toContain('AllowCloudWatchAlarmsToUseKeyForTopic');
  });

  it('sets the permissions boundary on every role and names each function role with the prefix', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.length).toBeGreaterThanOrEqual(FUNCTIONS.length);
    const boundary = ofType('AWS::IAM::ManagedPolicy').map(([id]) => id)[0];
    for (const [, role] of roles) expect(role.Properties.PermissionsBoundary).toEqual({ Ref: boundary });
    const names = roles.map(([, r]) => r.Properties.RoleName);
    expect(names.sort()).toEqual(FUNCTIONS.map((f) => `platform-${f.id}-eu-west-1`).sort());
  });

  it("tags what eip-keeper creates, and only that: the team's own topic keeps its tags", () => {
    for (const type of [
      'AWS::Lambda::Function',
      'AWS::IAM::Role',
      'AWS::SQS::Queue',
      'AWS::DynamoDB::Table',
    ]) {
      const of = ofType(type);
      expect(of.length).toBeGreaterThan(0);
      for (const [, r] of of) expect(tagsOf(r)).toMatchObject({ team: 'network', 'cost-center': '4711' });
    }
    for (const [, topic] of ofType('AWS::SNS::Topic')) expect(tagsOf(topic)).not.toHaveProperty('team');
  });
});
