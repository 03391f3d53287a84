/**
 * `coldStart`: each handler bundled exactly as the stack bundles it (`handlerBuildOptions`,
 * infra/constructs/bundling.ts), then loaded and initialised (`handler.warmUp()`: environment, configuration, SDK
 * clients) in fresh `node` processes, against a bare bundle that imports and constructs only the AWS SDK clients the handler's bundle
 * contains. Medians of several processes each.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { handlerBuildOptions } from '../infra/constructs/bundling';
import { inlineConfigEnvironment } from '../shared/config/environment';
import { parseAppConfig } from '../shared/config/schema';
import { median, pairedRatios, type Spread, spreadOf } from './measure';

const run = promisify(execFile);

export interface ColdStartResult {
  handler: string;
  bundleBytes: number;
  initMs: number;
  bareSdkMs: number;
  initCpuMs: number;
  bareSdkCpuMs: number;
  /**
   * Median over the rounds of each round's CPU time of the handler ÷ its bare bundle's (CPU time: wall time on a
   * shared machine measures the neighbours too; the pair runs back to back, so load falls on both alike).
   */
  ratioVsBareSdk: number;
  /** The lowest and highest of those per-round ratios. */
  ratioSpread: Spread;
  /** Fresh processes of each (rounds). */
  processes: number;
  /** The SDK clients the handler constructs at cold start (the bare bundle constructs the same). */
  sdkClients: string[];
  /** SDK clients the bundle carries but builds on first use (`onFirstUse`): not evaluated by a cold start. */
  lazyClients: string[];
  /**
   * SDK packages the handler loads on first use from the Lambda runtime's SDK (shared/aws/runtime-sdk.ts): those its
   * own sources pass to `importRuntimeSdk`, a name esbuild leaves unresolved, so a cold start neither reads nor
   * evaluates them (a bundled copy of the same package, in `sdkClients`, is another module).
   */
  runtimeSdkClients: string[];
  /** With `--cold-start=instructions`: the same ratio in instructions (callgrind), node's own start subtracted. */
  instructions?: { init: number; bareSdk: number; ratio: number; ratioSpread: Spread };
  /** The largest inputs of the bundle by bytes in the output (what to look at when the ratio is high). */
  heaviestInputs: { input: string; bytes: number }[];
}

/** A handler's esbuild options as the stack bundles it, with the metafile the section reads. */
export function esbuildOptionsOf(entry: string, outfile: string): BuildOptions {
  return { ...handlerBuildOptions(entry, outfile), metafile: true };
}

/** SDK packages a bundle may carry, and how a bare bundle constructs each one's client. */
const SDK_CLIENTS: Record<string, { imports: string; construct: string }> = {
  '@aws-sdk/client-ec2': {
    imports: "import { EC2Client } from '@aws-sdk/client-ec2';",
    construct: 'new EC2Client({ region })',
  },
  '@aws-sdk/client-sns': {
    imports: "import { SNSClient } from '@aws-sdk/client-sns';",
    construct: 'new SNSClient({ region })',
  },
  '@aws-sdk/client-ssm': {
    imports: "import { SSMClient } from '@aws-sdk/client-ssm';",
    construct: 'new SSMClient({ region })',
  },
  '@aws-sdk/client-eks': {
    imports: "import { EKSClient } from '@aws-sdk/client-eks';",
    construct: 'new EKSClient({ region })',
  },
  '@aws-sdk/client-iam': {
    imports: "import { IAMClient } from '@aws-sdk/client-iam';",
    construct: 'new IAMClient({ region })',
  },
  '@aws-sdk/client-route-53': {
    imports: "import { Route53Client } from '@aws-sdk/client-route-53';",
    construct: 'new Route53Client({ region })',
  },
  '@aws-sdk/client-pricing': {
    imports: "import { PricingClient } from '@aws-sdk/client-pricing';",
    construct: "new PricingClient({ region: 'us-east-1' })",
  },
  '@aws-sdk/client-eventbridge': {
    imports: "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';",
    construct: 'new EventBridgeClient({ region })',
  },
  '@aws-sdk/client-sts': {
    imports: "import { STSClient } from '@aws-sdk/client-sts';",
    construct: 'new STSClient({ region })',
  },
  '@aws-sdk/client-dynamodb': {
    imports: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    construct: 'new DynamoDBClient({ region })',
  },
  '@aws-sdk/lib-dynamodb': {
    imports: "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    construct: 'DynamoDBDocumentClient.from(new DynamoDBClient({ region }))',
  },
};

/**
 * The inputs a bundle evaluates when it is loaded: those its entry point reaches by static imports and requires.
 * A module reached only through `import()` is wrapped by esbuild in a lazy initialiser and evaluated when imported.
 */
export function eagerInputsOf(metafile: Metafile): Set<string> {
  const entries = Object.values(metafile.outputs)
    .map((o) => o.entryPoint)
    .filter((e): e is string => e !== undefined);
  const seen = new Set<string>(entries);
  const queue = [...entries];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const imp of metafile.inputs[next]?.imports ?? []) {
      if (imp.external || imp.kind === 'dynamic-import' || seen.has(imp.path)) continue;
      seen.add(imp.path);
      queue.push(imp.path);
    }
  }
  return seen;
}

/**
 * The SDK client packages (of SDK_CLIENTS) a bundle's metafile shows it contains; with `only`, those among these
 * inputs (e.g. `eagerInputsOf`: the clients a cold start constructs).
 */
export function sdkClientsOf(metafile: Metafile, only?: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    if (only && !only.has(input)) continue;
    const m = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//.exec(input);
    if (m?.[1] && SDK_CLIENTS[m[1]]) found.add(m[1]);
  }
  return [...found].sort();
}

/** Whether a bundle input is a dependency's file rather than the project's own. */
const isDependencyInput = (input: string) => /(^|\/)node_modules\//.test(input);

/** A call loading a package from the Lambda runtime's SDK (shared/aws/runtime-sdk.ts), its name a literal. */
const IMPORT_RUNTIME_SDK_CALL = /\bimportRuntimeSdk\(\s*['"](@aws-sdk\/[\w-]+)['"]/g;

/**
 * The runtime's SDK packages a handler's own sources load (`importRuntimeSdk('@aws-sdk/…')`), given the source of each
 * bundle input by its path; dependencies' files are skipped. Read from the calls, not the bundle text: every bundle
 * names all of those packages, as runtime-sdk.ts lists them.
 */
export function runtimeSdkClientsOf(sourcesByPath: Readonly<Record<string, string>>): string[] {
  const found = new Set<string>();
  for (const [input, source] of Object.entries(sourcesByPath)) {
    if (isDependencyInput(input)) continue;
    for (const m of source.matchAll(IMPORT_RUNTIME_SDK_CALL)) found.add(m[1] as string);
  }
  return [...found].sort();
}

/** The source of a bundle that constructs just these clients (and the DynamoDB client lib-dynamodb wraps). */
export function bareSdkSource(clients: readonly string[]): string {
  const wanted = new Set(clients);
  if (wanted.has('@aws-sdk/lib-dynamodb')) wanted.add('@aws-sdk/client-dynamodb');
  const list = [...wanted].sort();
  const imports = list.map((c) => SDK_CLIENTS[c]?.imports).filter(Boolean);
  const constructs = list.map((c) => SDK_CLIENTS[c]?.construct).filter(Boolean);
  return [
    ...imports,
    "const region = process.env.AWS_REGION ?? 'eu-west-1';",
    `export const clients = [${constructs.join(', ')}];`,
    '',
  ].join('\n');
}

/** Bytes each input contributes to the output, largest first. */
export function heaviestInputs(metafile: Metafile, limit = 5): { input: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const out of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      const key = m?.[1] ?? input;
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage.entries()]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, limit);
}

/** Loads a bundle in a fresh process and reports import + init time (warmUp when the module has one). */
const PROBE = `
const t0 = performance.now();
const c0 = process.cpuUsage();
// Without a bundle: node's own start, subtracted from the instruction counts.
const mod = process.argv[2] ? await import(new URL(process.argv[2], 'file:///').href) : {};
if (typeof mod.handler?.warmUp === 'function') await mod.handler.warmUp();
const c = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));
`;

/** What a deployed function's environment holds (the stack's variables, a one-pool configuration). */
function buildLambdaEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHCOLDSTART',
    AWS_SECRET_ACCESS_KEY: 'bench',
    EIP_KEEPER_TABLE: 'EipKeeper-Table1A2B3C4D-0123456789AB',
    EIP_KEEPER_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:eip-keeper-alerts',
    EIP_KEEPER_ACCOUNT_ID: '111122223333',
    // As the stack writes it: validated at synth, defaults written out, with its digest.
    ...inlineConfigEnvironment(
      parseAppConfig(
        {
          pools: [
            {
              name: 'payments',
              cluster: 'prod',
              vpcId: 'vpc-0a1b2c3d4e5f60001',
              members: ['eipalloc-0a1b2c3d4e5f60001'],
              selector: {
                securityGroupIds: ['sg-0a1b2c3d4e5f60001'],
                descriptionPrefix: 'aws-k8s-branch-eni',
              },
            },
          ],
          alerts: { email: 'security@example.com' },
        },
        'bench',
      ),
    ),
    POWERTOOLS_LOG_LEVEL: 'WARN',
    // As the stack deploys every function.
    NODE_OPTIONS: '--enable-source-maps',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

// Built once, not per spawned process: it parses the configuration and hashes it.
let builtLambdaEnvironment: NodeJS.ProcessEnv | undefined;
function lambdaEnvironment(): NodeJS.ProcessEnv {
  builtLambdaEnvironment ??= buildLambdaEnvironment();
  return builtLambdaEnvironment;
}

interface Probe {
  /** Wall time of import + init. */
  ms: number;
  /** CPU time (user + system) of import + init: what init costs, whatever else the machine runs. */
  cpuMs: number;
}

async function probe(dir: string, bundle: string): Promise<Probe> {
  const { stdout } = await run(
    process.execPath,
    [path.join(dir, '..', 'probe.mjs'), path.join(dir, bundle)],
    {
      env: lambdaEnvironment(),
      cwd: dir,
    },
  );
  return JSON.parse(stdout) as Probe;
}

/**
 * Instructions a fresh `node` executes to load a bundle and initialise it, counted by valgrind's callgrind with V8 on
 * one thread (the same on a busy machine as on an idle one): the whole process, so node's own start is subtracted.
 */
async function instructions(dir: string, bundle: string | undefined): Promise<number> {
  const args = [
    '--tool=callgrind',
    '--callgrind-out-file=/dev/null',
    process.execPath,
    // V8's helper threads (concurrent compilation, parallel GC) make a count depend on how they were scheduled: the
    // same bundle counted 742 and 1,087 million in two runs. On one thread, processes agree within a few per cent
    // (docs/performance.md has the measured spread).
    '--single-threaded',
    path.join(dir, '..', 'probe.mjs'),
    ...(bundle ? [path.join(dir, bundle)] : []),
  ];
  const { stderr } = await run('valgrind', args, { env: lambdaEnvironment(), cwd: dir, maxBuffer: 1 << 24 });
  const m = /Collected : (\d+)/.exec(stderr);
  if (!m?.[1]) throw new Error(`callgrind printed no count: ${stderr.slice(-300)}`);
  return Number(m[1]);
}

/** What the cold-start section counts: CPU time of fresh processes, or instructions under callgrind. */
export type ColdStartCounter = 'cpu' | 'instructions';

interface Built {
  name: string;
  dir: string;
  bundleBytes: number;
  clients: string[];
  lazyClients: string[];
  runtimeSdkClients: string[];
  heaviestInputs: { input: string; bytes: number }[];
}

async function buildHandler(root: string, outDir: string, name: string): Promise<Built> {
  const dir = path.join(outDir, name);
  await mkdir(dir, { recursive: true });
  const options = esbuildOptionsOf(path.join(root, 'functions', `${name}.ts`), path.join(dir, 'index.mjs'));
  const built = await build(options);
  const metafile = built.metafile as Metafile;
  const bundleBytes = Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .reduce((s, [, o]) => s + o.bytes, 0);
  // The bare bundle constructs what the handler's cold start constructs: the clients it imports statically.
  const clients = sdkClientsOf(metafile, eagerInputsOf(metafile));
  const lazyClients = sdkClientsOf(metafile).filter((c) => !clients.includes(c));
  // Inputs with code in the output: a file whose code was all shaken out calls nothing.
  const ownInputs = Object.values(metafile.outputs)
    .flatMap((o) => Object.entries(o.inputs))
    .filter(([input, { bytesInOutput }]) => bytesInOutput > 0 && !isDependencyInput(input))
    .map(([input]) => input);
  const workingDir = options.absWorkingDir ?? process.cwd();
  const sourcesByPath = Object.fromEntries(
    await Promise.all(
      ownInputs.map(
        async (input) => [input, await readFile(path.resolve(workingDir, input), 'utf8')] as const,
      ),
    ),
  );
  const runtimeSdkClients = runtimeSdkClientsOf(sourcesByPath);
  const { entryPoints: _, ...bareOptions } = esbuildOptionsOf('', path.join(dir, 'bare.mjs'));
  await build({
    ...bareOptions,
    stdin: { contents: bareSdkSource(clients), resolveDir: root, sourcefile: 'bare-sdk.mjs' },
  });
  return {
    name,
    dir,
    bundleBytes,
    clients,
    lazyClients,
    runtimeSdkClients,
    heaviestInputs: heaviestInputs(metafile),
  };
}

export async function runColdStart(opts: {
  root: string;
  outDir: string;
  handlers: string[];
  processes: number;
  counter?: ColdStartCounter;
  log: (line: string) => void;
}): Promise<ColdStartResult[]> {
  await mkdir(opts.outDir, { recursive: true });
  await writeFile(path.join(opts.outDir, 'probe.mjs'), PROBE);
  const handlers: Built[] = [];
  for (const name of opts.handlers) handlers.push(await buildHandler(opts.root, opts.outDir, name));
  const samples = new Map<string, { init: Probe[]; bare: Probe[]; initI: number[]; bareI: number[] }>(
    handlers.map((h) => [h.name, { init: [], bare: [], initI: [], bareI: [] }]),
  );
  const counting = opts.counter === 'instructions';
  const empty: number[] = [];
  // Round after round, each handler then its bare bundle: background load falls on both of a pair alike.
  for (let round = 0; round < opts.processes; round++) {
    if (counting) empty.push(await instructions((handlers[0] as Built).dir, undefined));
    for (const h of handlers) {
      const s = samples.get(h.name) as NonNullable<ReturnType<typeof samples.get>>;
      s.init.push(await probe(h.dir, 'index.mjs'));
      s.bare.push(await probe(h.dir, 'bare.mjs'));
      if (counting) {
        s.initI.push(await instructions(h.dir, 'index.mjs'));
        s.bareI.push(await instructions(h.dir, 'bare.mjs'));
      }
    }
    opts.log(`coldStart: round ${round + 1} of ${opts.processes}`);
  }
  const results: ColdStartResult[] = [];
  for (const h of handlers) {
    const s = samples.get(h.name) as NonNullable<ReturnType<typeof samples.get>>;
    const ratios = spreadOf(pairedRatios(cpuOf(s.init), cpuOf(s.bare)));
    const result: ColdStartResult = {
      handler: h.name,
      bundleBytes: h.bundleBytes,
      initMs: median(s.init.map((p) => p.ms)),
      bareSdkMs: median(s.bare.map((p) => p.ms)),
      initCpuMs: median(cpuOf(s.init)),
      bareSdkCpuMs: median(cpuOf(s.bare)),
      ratioVsBareSdk: ratios.median,
      ratioSpread: { min: ratios.min, max: ratios.max },
      processes: opts.processes,
      sdkClients: h.clients,
      lazyClients: h.lazyClients,
      runtimeSdkClients: h.runtimeSdkClients,
      heaviestInputs: h.heaviestInputs,
    };
    if (counting) {
      const base = median(empty);
      const r = spreadOf(
        pairedRatios(
          s.initI.map((n) => n - base),
          s.bareI.map((n) => n - base),
        ),
      );
      result.instructions = {
        init: median(s.initI) - base,
        bareSdk: median(s.bareI) - base,
        ratio: r.median,
        ratioSpread: { min: r.min, max: r.max },
      };
    }
    results.push(result);
    opts.log(
      `coldStart: ${h.name} ${result.initCpuMs.toFixed(1)} ms CPU vs bare SDK ${result.bareSdkCpuMs.toFixed(1)} ms CPU: ${ratios.median.toFixed(3)} (${ratios.min.toFixed(3)}–${ratios.max.toFixed(3)})${result.instructions ? `; instructions ${result.instructions.ratio.toFixed(3)}` : ''}`,
    );
  }
  return results;
}

const cpuOf = (probes: readonly Probe[]) => probes.map((p) => p.cpuMs);
