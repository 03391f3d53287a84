/**
 * A simulated region for IAM tests: the shared world (a VPC, the pods' subnet, the payments pool's tagged EIPs) with
 * no function deployed; a test calls AWS as a function's role (`as`), as its code would in Lambda, or as an actor.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { inject } from 'vitest';
import type { PolicyDocument } from '../../local/iam/policy';
import { SimulatedRegion } from '../../local/region';
import { type AwsConnection, clientOptions } from '../../shared/aws/clients';
import type { AppConfigInput } from '../../shared/config/schema';
import { POD_ENI_DESCRIPTION, POD_SG, podEniTags, SUBNET, seedWorld, worldState } from '../support/world';

export interface IamRegion {
  region: SimulatedRegion;
  /** Allocation ids by label: `partner-ip-1`, `partner-ip-2` (pool members), and `others`' names. */
  labels: Map<string, string>;
  /** SDK clients signing as one of eip-keeper's functions (its role), or as an actor. */
  as(who: { fn: string } | { actor: string }): Clients;
  stop(): Promise<void>;
}

export interface Clients {
  conn: AwsConnection;
  ec2: EC2Client;
  ssm: SSMClient;
  sns: SNSClient;
  events: EventBridgeClient;
  dynamodb: DynamoDBClient;
  eks: EKSClient;
}

export async function startIamRegion(
  opts: { config?: AppConfigInput; others?: string[]; actorPolicies?: Record<string, PolicyDocument> } = {},
): Promise<IamRegion> {
  const region = await SimulatedRegion.start({
    dynamoEndpoint: inject('dynamoEndpoint'),
    config: opts.config ?? {},
    functions: [],
    actorPolicies: opts.actorPolicies,
  });
  const labels = seedWorld(region, worldState({ eips: 2, others: opts.others ?? [] }));
  const made: Clients[] = [];
  return {
    region,
    labels,
    as(who) {
      // One attempt: a refusal is final, and the tests read it as the code would.
      const base = 'fn' in who ? region.functionConnection(who.fn) : region.connection(who.actor);
      const conn = { ...base, maxAttempts: 1 };
      const clients: Clients = {
        conn,
        ec2: new EC2Client(clientOptions(conn, 'ec2')),
        ssm: new SSMClient(clientOptions(conn, 'ssm')),
        sns: new SNSClient(clientOptions(conn, 'sns')),
        events: new EventBridgeClient(clientOptions(conn, 'eventbridge')),
        dynamodb: new DynamoDBClient(clientOptions(conn, 'dynamodb')),
        eks: new EKSClient(clientOptions(conn, 'eks')),
      };
      made.push(clients);
      return clients;
    },
    async stop() {
      for (const c of made)
        for (const client of [c.ec2, c.ssm, c.sns, c.events, c.dynamodb, c.eks]) client.destroy();
      await region.stop();
    },
  };
}

/** A pod branch ENI of the payments pool, created by the VPC resource controller; its id. */
export async function podEni(r: IamRegion, vlan = 1): Promise<string> {
  const { CreateNetworkInterfaceCommand } = await import('@aws-sdk/client-ec2');
  const Tags = Object.entries(podEniTags(vlan)).map(([Key, Value]) => ({ Key, Value }));
  const out = await r.as({ actor: 'vpc-resource-controller' }).ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: SUBNET,
      Description: POD_ENI_DESCRIPTION,
      Groups: [POD_SG],
      TagSpecifications: [{ ResourceType: 'network-interface', Tags }],
    }),
  );
  return out.NetworkInterface?.NetworkInterfaceId as string;
}

/** The rejection of a call (fails the test if the call succeeded). */
export async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as { name: string; message: string };
    return { name: e.name, message: e.message };
  }
  throw new Error('the call succeeded');
}

/** The document encoded in EC2's "Encoded authorization failure message". */
export function decodedFailure(message: string): {
  explicitDeny: boolean;
  context: { action: string; resource: string; conditions: { items: { key: string }[] } };
} {
  const encoded = /Encoded authorization failure message: (\S+)$/.exec(message)?.[1] ?? '';
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
}
