import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SimulatedRegion } from '../../local/region';
import { clientOptions } from '../../shared/aws/clients';

describe('the simulated region', () => {
  let region: SimulatedRegion;
  beforeAll(async () => {
    region = await SimulatedRegion.start({ dynamoEndpoint: inject('dynamoEndpoint'), functions: [] });
  });
  afterAll(async () => {
    await region.stop();
  });

  it('throttles a burst at the EC2 describe rate and the SDK retries until every call succeeds', async () => {
    region.setFaults({ ec2Throttling: true });
    const ec2 = new EC2Client({ ...clientOptions(region.connection('admin'), 'ec2'), maxAttempts: 20 });
    try {
      const before = region.server.calls.length;
      const results = await Promise.all(
        Array.from({ length: 130 }, () => ec2.send(new DescribeAddressesCommand({}))),
      );
      const calls = region.server.calls.slice(before);
      expect(results).toHaveLength(130);
      expect(calls.filter((c) => c.outcome === 'throttled').length).toBeGreaterThan(0);
      expect(calls.filter((c) => c.outcome === 'ok')).toHaveLength(130);
    } finally {
      region.setFaults({ ec2Throttling: false });
      ec2.destroy();
    }
  });

  it('makes the SDK raise the named SNS error for a subject SNS would refuse', async () => {
    const sns = new SNSClient(clientOptions(region.connection('eip-keeper'), 'sns'));
    try {
      const err = await sns
        .send(new PublishCommand({ TopicArn: region.topicArn, Subject: 'x'.repeat(100), Message: 'm' }))
        .catch((e: unknown) => e);
      expect((err as Error).name).toBe('InvalidParameterException');
      await sns.send(new PublishCommand({ TopicArn: region.topicArn, Subject: 'ok', Message: 'hello' }));
      expect(region.sns.messages.at(-1)).toMatchObject({ subject: 'ok', message: 'hello' });
    } finally {
      sns.destroy();
    }
  });

  it('rejects a call for a service it does not simulate instead of answering wrongly', async () => {
    const res = await fetch(region.endpoint, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260105/eu-west-1/lambda/aws4_request' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/no service .*"lambda"/);
  });
});
