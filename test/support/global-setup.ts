/**
 * One DynamoDB Local for the whole suite (a JVM start costs ~2 s); every test uses its own table name. The CLI is
 * built once here, so the tests that run it as a process never build it at the same time.
 */
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from '../../bin/build.js';
import { startDynamoDbLocal } from '../../local/dynamodb';

export default async function setup(project: TestProject) {
  await ensureBuilt();
  const ddb = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', ddb.endpoint);
  return async () => {
    await ddb.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
