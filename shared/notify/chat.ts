/**
 * The chat body: an AWS Chatbot (Amazon Q Developer in chat applications) custom notification
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html), built from a notification's chat content.
 * Every line goes through `guardMarkdown`, so nothing a builder writes can mention, link or hide text.
 */
import { clip, guardMarkdown } from './escape';
import type { Notification } from './notification';

export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  id: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps?: string[];
    keywords: string[];
  };
  metadata: {
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
  };
}

const CHAT_TITLE_MAX = 250;
/** Chat clients cut long messages; a description stays well below that, cut at a line. */
const CHAT_DESCRIPTION_MAX = 3500;
/** Chatbot shows at most this many keywords. */
const MAX_KEYWORDS = 10;
const MAX_CONTEXT_VALUE = 256;

/** The description's lines: all of them when they fit in `max`, else as many whole lines as fit and how many did not. */
function fitLines(lines: string[], max: number): string {
  const all = lines.join('\n');
  if (all.length <= max) return all;
  const kept: string[] = [];
  let size = 0;
  for (const [i, line] of lines.entries()) {
    const left = lines.length - i;
    const tail = `… and ${left} more line${left === 1 ? '' : 's'} (see the e-mail)`;
    if (size + line.length + 1 + tail.length > max) {
      kept.push(tail);
      break;
    }
    kept.push(line);
    size += line.length + 1;
  }
  return kept.join('\n');
}

export function chatNotification(n: Notification, subject: string): ChatbotNotification {
  const { chat } = n;
  const nextSteps = chat.nextSteps?.map(guardMarkdown);
  const keywords = [...new Set(['eip-keeper', n.kind, n.region, ...(chat.keywords ?? [])])]
    .slice(0, MAX_KEYWORDS)
    .map((k) => guardMarkdown(clip(k, 64)));
  const context: Record<string, string> = {
    account: n.account,
    region: n.region,
    source: n.source,
    kind: n.kind,
    ...chat.context,
  };
  return {
    version: '1.0',
    source: 'custom',
    id: guardMarkdown(clip(n.dedupKey, 256)),
    content: {
      textType: 'client-markdown',
      title: guardMarkdown(clip(n.title, CHAT_TITLE_MAX)),
      description: fitLines(chat.description.map(guardMarkdown), CHAT_DESCRIPTION_MAX),
      ...(nextSteps && nextSteps.length > 0 ? { nextSteps } : {}),
      keywords,
    },
    metadata: {
      threadId: guardMarkdown(clip(chat.threadId, 256)),
      summary: guardMarkdown(clip(subject, 200)),
      eventType: `eip-keeper.${n.kind}`,
      relatedResources: n.resources.map((r) => guardMarkdown(clip(r, 256))),
      additionalContext: Object.fromEntries(
        Object.entries(context).map(([k, v]) => [k, guardMarkdown(clip(v, MAX_CONTEXT_VALUE))]),
      ),
    },
  };
}
