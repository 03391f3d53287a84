/**
 * The AWS SDK v3 packages of clients a handler builds on first use (`onFirstUse`), imported by a name esbuild cannot
 * resolve, so that no function bundle carries them. A package in a bundle costs every cold start its parse and, with
 * source maps on, the decoding of its mappings, even when the code never runs (docs/performance.md measures it). In
 * Lambda these resolve to the AWS SDK v3 that the nodejs22.x runtime includes
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html); locally, to node_modules. The calls made through
 * them (Publish, DescribeCluster, PutEvents, ListHostedZones, GetProducts, ListAttachedRolePolicies,
 * BatchImportFindings, GetParameter) are years older than any runtime's SDK.
 */
export interface RuntimeSdk {
  '@aws-sdk/client-eks': typeof import('@aws-sdk/client-eks');
  '@aws-sdk/client-eventbridge': typeof import('@aws-sdk/client-eventbridge');
  '@aws-sdk/client-iam': typeof import('@aws-sdk/client-iam');
  '@aws-sdk/client-pricing': typeof import('@aws-sdk/client-pricing');
  '@aws-sdk/client-route-53': typeof import('@aws-sdk/client-route-53');
  '@aws-sdk/client-securityhub': typeof import('@aws-sdk/client-securityhub');
  '@aws-sdk/client-sns': typeof import('@aws-sdk/client-sns');
  '@aws-sdk/client-ssm': typeof import('@aws-sdk/client-ssm');
}

export type RuntimeSdkPackage = keyof RuntimeSdk;

/** Every one of them, the compiler checking none is missing (a test checks that no bundle carries one). */
const EVERY_RUNTIME_SDK_PACKAGE: Record<RuntimeSdkPackage, true> = {
  '@aws-sdk/client-eks': true,
  '@aws-sdk/client-eventbridge': true,
  '@aws-sdk/client-iam': true,
  '@aws-sdk/client-pricing': true,
  '@aws-sdk/client-route-53': true,
  '@aws-sdk/client-securityhub': true,
  '@aws-sdk/client-sns': true,
  '@aws-sdk/client-ssm': true,
};
export const RUNTIME_SDK_PACKAGES = Object.keys(EVERY_RUNTIME_SDK_PACKAGE) as readonly RuntimeSdkPackage[];

/**
 * Imports a module by a name passed in, never a literal, so that esbuild leaves the `import()` as it is instead of
 * bundling what it names.
 */
export function importByName(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/** Loads one of those packages. */
export async function importRuntimeSdk<K extends RuntimeSdkPackage>(name: K): Promise<RuntimeSdk[K]> {
  return (await importByName(name)) as RuntimeSdk[K];
}
