/**
 * `coldStart`: each handler bundled exactly as the stack bundles it (LAMBDA_BUNDLING from the EventFunction
 * construct), then loaded and initialised (`handler.warmUp()`: environment, configuration, SDK clients) in fresh
 * `node` processes, against a bare bundle that imports and constructs only the AWS SDK clients the handler's bundle
 * contains. Medians of several processes each.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLING } from '../infra/constructs/event-function';
import { median } from './measure';

const run = promisify(execFile);

export interface ColdStartResult {
  handler: string;
  bundleBytes: number;
  initMs: number;
  bareSdkMs: number;
  initCpuMs: number;
  bareSdkCpuMs: number;
  /** initCpuMs ÷ bareSdkCpuMs (CPU time: wall time on a shared machine measures the neighbours too). */
  ratioVsBareSdk: number;
  sdkClients: string[];
  /** The largest inputs of the bundle by bytes in the output (what to look at when the ratio is high). */
  heaviestInputs: { input: string; bytes: number }[];
}

/** The esbuild options NodejsFunction derives from LAMBDA_BUNDLING (aws-lambda-nodejs `buildEsbuildArgs`). */
export function esbuildOptionsOf(entry: string, outfile: string): BuildOptions {
  const b = LAMBDA_BUNDLING;
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: b.target ?? 'node22',
    format: b.format === 'esm' ? 'esm' : 'cjs',
    minify: b.minify ?? false,
    sourcemap: b.sourceMap ?? false,
    sourcesContent: b.sourcesContent ?? true,
    external: [...(b.externalModules ?? ['@aws-sdk/*'])],
    mainFields: [...(b.mainFields ?? [])],
    ...(b.banner ? { banner: { js: b.banner } } : {}),
    metafile: true,
    logLevel: 'warning',
  };
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

/** The SDK client packages (of SDK_CLIENTS) a bundle's metafile shows it contains. */
export function sdkClientsOf(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//.exec(input);
    if (m?.[1] && SDK_CLIENTS[m[1]]) found.add(m[1]);
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
const url = new URL(process.argv[2], 'file:///').href;
const t0 = performance.now();
const c0 = process.cpuUsage();
const mod = await import(url);
if (typeof mod.handler?.warmUp === 'function') await mod.handler.warmUp();
const c = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));
`;

/** What a deployed function's environment holds (the stack's variables, a one-pool configuration). */
function lambdaEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHCOLDSTART',
    AWS_SECRET_ACCESS_KEY: 'bench',
    EIP_KEEPER_TABLE: 'EipKeeper-Table1A2B3C4D-0123456789AB',
    EIP_KEEPER_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:eip-keeper-alerts',
    EIP_KEEPER_ACCOUNT_ID: '111122223333',
    EIP_KEEPER_CONFIG: JSON.stringify({
      pools: [
        {
          name: 'payments',
          cluster: 'prod',
          vpcId: 'vpc-0a1b2c3d4e5f60001',
          members: ['eipalloc-0a1b2c3d4e5f60001'],
          selector: { securityGroupIds: ['sg-0a1b2c3d4e5f60001'], descriptionPrefix: 'aws-k8s-branch-eni' },
        },
      ],
      alerts: { email: 'security@example.com' },
    }),
    POWERTOOLS_LOG_LEVEL: 'WARN',
    // As the stack deploys every function.
    NODE_OPTIONS: '--enable-source-maps',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
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

export async function runColdStart(opts: {
  root: string;
  outDir: string;
  handlers: string[];
  processes: number;
  log: (line: string) => void;
}): Promise<ColdStartResult[]> {
  const results: ColdStartResult[] = [];
  await mkdir(opts.outDir, { recursive: true });
  await writeFile(path.join(opts.outDir, 'probe.mjs'), PROBE);
  for (const name of opts.handlers) {
    const dir = path.join(opts.outDir, name);
    await mkdir(dir, { recursive: true });
    const built = await build(
      esbuildOptionsOf(path.join(opts.root, 'functions', `${name}.ts`), path.join(dir, 'index.mjs')),
    );
    const metafile = built.metafile as Metafile;
    const bundleBytes = Object.entries(metafile.outputs)
      .filter(([file]) => file.endsWith('.mjs'))
      .reduce((s, [, o]) => s + o.bytes, 0);
    const clients = sdkClientsOf(metafile);
    const { entryPoints: _, ...bareOptions } = esbuildOptionsOf('', path.join(dir, 'bare.mjs'));
    await build({
      ...bareOptions,
      stdin: { contents: bareSdkSource(clients), resolveDir: opts.root, sourcefile: 'bare-sdk.mjs' },
    });
    const init: Probe[] = [];
    const bare: Probe[] = [];
    // Interleaved, so background load affects both alike.
    for (let i = 0; i < opts.processes; i++) {
      init.push(await probe(dir, 'index.mjs'));
      bare.push(await probe(dir, 'bare.mjs'));
    }
    const initMs = median(init.map((p) => p.ms));
    const bareSdkMs = median(bare.map((p) => p.ms));
    const initCpuMs = median(init.map((p) => p.cpuMs));
    const bareSdkCpuMs = median(bare.map((p) => p.cpuMs));
    results.push({
      handler: name,
      bundleBytes,
      initMs,
      bareSdkMs,
      initCpuMs,
      bareSdkCpuMs,
      ratioVsBareSdk: initCpuMs / bareSdkCpuMs,
      sdkClients: clients,
      heaviestInputs: heaviestInputs(metafile),
    });
    opts.log(
      `coldStart: ${name} ${initCpuMs.toFixed(1)} ms CPU (${initMs.toFixed(1)} wall) vs bare SDK ${bareSdkCpuMs.toFixed(1)} ms CPU (${bareSdkMs.toFixed(1)} wall)`,
    );
  }
  return results;
}
