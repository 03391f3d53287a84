/**
 * SNS in the simulated region: Publish only (awsQuery protocol), with SNS's own validation of subjects and
 * `MessageStructure=json`, and every accepted message captured for the scenario output.
 */
import type { CallOutcome, ServiceEnv, ServiceModule, SimRequest, SimResponse } from '../core/types';
import type { Denial, IamCheck } from '../iam/policy';

export interface PublishedMessage {
  at: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageId: string;
  attributes: Record<string, string>;
}

/** The protocols a topic subscription can have (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html). */
export type SnsProtocol =
  | 'email'
  | 'email-json'
  | 'sqs'
  | 'lambda'
  | 'http'
  | 'https'
  | 'firehose'
  | 'sms'
  | 'application';

/**
 * The message a subscription of this protocol receives (the `Message` SNS delivers to it): with
 * `MessageStructure=json`, its protocol's entry, else the `default` entry; otherwise the message as published.
 */
export function deliveredMessage(
  m: Pick<PublishedMessage, 'message' | 'messageStructure'>,
  protocol: SnsProtocol,
): string {
  if (m.messageStructure !== 'json') return m.message;
  const bodies = JSON.parse(m.message) as Record<string, string>;
  return bodies[protocol] ?? (bodies.default as string);
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

function xmlEscape(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

function error(status: number, code: string, message: string, requestId: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml' },
    body: `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** Why SNS would reject this subject, or undefined when it is fine. */
export function subjectProblem(subject: string): string | undefined {
  if (subject.length === 0) return 'Subject must not be empty';
  if (subject.length >= 100) return 'Subject must be less than 100 characters long';
  if (!/^[\x20-\x7e]+$/.test(subject))
    return 'Subject must be ASCII text without line breaks or control characters';
  if (!/^[A-Za-z0-9\p{P}]/u.test(subject))
    return 'Subject must begin with a letter, number, or punctuation mark';
  return undefined;
}

/** What IAM authorizes per SNS action (an encrypted topic also needs its key, which the region's IAM adds). */
const SNS_IAM: Readonly<Record<string, (params: URLSearchParams) => IamCheck[]>> = {
  Publish: (params) => [{ action: 'sns:Publish', resource: params.get('TopicArn') ?? '' }],
};

export class SnsService implements ServiceModule {
  readonly signingName = 'sns';
  readonly messages: PublishedMessage[] = [];
  private readonly topics = new Set<string>();

  addTopic(arn: string): void {
    this.topics.add(arn);
  }

  actionOf(req: SimRequest): string | undefined {
    return new URLSearchParams(req.body).get('Action') ?? undefined;
  }

  throttled(_action: string, requestId: string): SimResponse {
    return error(400, 'Throttling', 'Rate exceeded', requestId);
  }

  iamChecks(req: SimRequest, action: string): IamCheck[] {
    const checks = Object.hasOwn(SNS_IAM, action) ? SNS_IAM[action] : undefined;
    if (!checks) throw new Error(`no IAM mapping for sns:${action}`);
    return checks(new URLSearchParams(req.body));
  }

  /**
   * SNS's refusals: `AuthorizationError` (403) when the caller may not publish, `KMSAccessDenied` (400) when it may
   * but cannot use the topic's key through SNS.
   */
  accessDenied(_req: SimRequest, action: string, denial: Denial, env: ServiceEnv): CallOutcome {
    const requestId = env.ids.uuid();
    const [status, code] = denial.check.action.startsWith('kms:')
      ? [400, 'KMSAccessDenied']
      : [403, 'AuthorizationError'];
    return { action, response: error(status, code, denial.message, requestId), errorCode: code };
  }

  handle(req: SimRequest, env: ServiceEnv): CallOutcome {
    const params = new URLSearchParams(req.body);
    const action = params.get('Action') ?? 'Unknown';
    const requestId = env.ids.uuid();
    if (action !== 'Publish') {
      return { action, response: error(400, 'InvalidAction', `${action} is not simulated`, requestId) };
    }
    const topicArn = params.get('TopicArn') ?? '';
    if (!this.topics.has(topicArn)) {
      return { action, response: error(404, 'NotFound', 'Topic does not exist', requestId) };
    }
    const message = params.get('Message') ?? '';
    if (message.length === 0)
      return { action, response: error(400, 'InvalidParameter', 'Empty message', requestId) };
    if (Buffer.byteLength(message) > 262_144) {
      return { action, response: error(400, 'InvalidParameter', 'Message too long', requestId) };
    }
    const subject = params.get('Subject') ?? undefined;
    const subjectError = subject === undefined ? undefined : subjectProblem(subject);
    if (subjectError)
      return {
        action,
        response: error(400, 'InvalidParameter', `Invalid parameter: ${subjectError}`, requestId),
      };
    const messageStructure = params.get('MessageStructure') ?? undefined;
    if (messageStructure === 'json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        return {
          action,
          response: error(
            400,
            'InvalidParameter',
            'Message Structure - JSON message body failed to parse',
            requestId,
          ),
        };
      }
      const obj = parsed as Record<string, unknown>;
      if (typeof obj !== 'object' || obj === null || typeof obj.default !== 'string') {
        return {
          action,
          response: error(
            400,
            'InvalidParameter',
            'Message Structure - No default entry in JSON message body',
            requestId,
          ),
        };
      }
      if (Object.values(obj).some((v) => typeof v !== 'string')) {
        return {
          action,
          response: error(
            400,
            'InvalidParameter',
            'Message Structure - every protocol message must be a string',
            requestId,
          ),
        };
      }
    }
    const attributes: Record<string, string> = {};
    for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) {
      attributes[params.get(`MessageAttributes.entry.${i}.Name`) ?? ''] =
        params.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
    }
    const messageId = env.ids.uuid();
    this.messages.push({
      at: env.clock.now().toISOString(),
      topicArn,
      subject,
      message,
      messageStructure,
      messageId,
      attributes,
    });
    return {
      action,
      response: {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
      },
    };
  }
}
