/**
 * The demo's story as people read it, pure: one line per meaningful event, stamped with when it happened. The
 * scenario's narration and what eip-keeper decided stay (EIPs given and freed, pods waiting, alerts, releases and
 * blocks, audit findings, failures); routine sweeps, the recorder's bookkeeping, API actions and clock steps are left
 * to `--verbose`. Resource ids read as the scenario's labels (`pod-1`), alerts of one kind sent at once share a line.
 */
import type { StoryLine } from '../../local/scenario/story';
import { storyTime } from '../../local/scenario/story';

/** Longest line the demo prints (longer text is clipped at a word, with an ellipsis). */
export const MAX_LINE = 110;

/** `text` clipped to `max` characters at a word boundary. */
export function clip(text: string, max = MAX_LINE): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[,;:(—-]+$/, '').trimEnd()}…`;
}

/** Replaces every labelled id (`eni-…`, `eipalloc-…`) by its label. */
export function withLabels(text: string, labels: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [label, id] of Object.entries(labels)) if (id) out = out.split(id).join(label);
  return out;
}

interface Event {
  at: string;
  text: string;
  /** An EIP freed, which a `gave` of the same instant may move on to another pod. */
  freed?: { who: string; ip: string; from: string; why: string };
  /** The subject of an alert, for the line of the decision that sent it. */
  alert?: string;
  /** The alerts this decision sends: one right after it, at the same instant, joins its line as "alerted". */
  sends?: RegExp;
  /** Events of one group at the same instant share a line: their items, rendered together. */
  group?: { key: string; items: string[]; render: (items: readonly string[]) => string };
}

function grouped(at: string, key: string, item: string, render: (items: readonly string[]) => string): Event {
  return { at, text: render([item]), group: { key, items: [item], render } };
}

const HANDLER = /^ {2}(\w+) ← ([^:]+): (.*)$/;

/** An alert subject as a line: without the subject prefix, orphans of one sweep together. */
function alertEvent(at: string, subject: string): Event | undefined {
  const s = subject.replace(/^\[[^\]]*\] /, '');
  // The released and blocked lines say it already (each is also alerted).
  if (/^Elastic IP (released|release blocked)/.test(s)) return undefined;

  const orphan = /^Orphaned Elastic IP (\S+) - (release after .*)$/.exec(s);
  if (orphan) {
    const when = orphan[2] as string;
    return grouped(
      at,
      `orphan:${when}`,
      orphan[1] as string,
      (ips) =>
        `alert: orphaned Elastic IP${ips.length === 1 ? '' : 's'} ${[...ips].sort().join(', ')}, ${when}`,
    );
  }
  return { at, text: `alert: ${s}`, alert: s };
}

const KEEPER = new Set(['KeeperEvents', 'KeeperReconciler']);

function keeperEvent(at: string, fn: string, text: string): Event | undefined {
  const who = fn === 'KeeperReconciler' ? 'reconciler' : 'keeper';
  const body = text.replace(/^pool [^:]+: /, '');
  const gave = /^gave (\S+) to (\S+)/.exec(body);
  if (gave)
    return grouped(
      at,
      `${who}:gave`,
      `${gave[1]} to ${gave[2]}`,
      (items) => `${who} gave ${items.join(', ')}`,
    );
  const freed = /^freed (\S+) from (\S+)(?: \([^)]*\))?: (.*)$/.exec(body);
  if (freed) {
    const [, ip = '', from = '', reason = ''] = freed;
    const why = reason.replace(/, idle since .*$/, '');
    return { at, text: `${who} freed ${ip} from ${from} (${why})`, freed: { who, ip, from, why } };
  }
  const waits = /^no free EIP for (\S+)(?: \([^)]*\))?:? ?(.*)$/.exec(body);
  // A pod that waits again while the pool's one alert is out is no news.
  if (!waits || /already alerted/.test(body)) return undefined;
  return {
    at,
    text: `${who}: ${waits[1]} waits, ${(waits[2] ?? '').replace(/; alert sent$/, '')}`,
    sends: /^pool \S+ exhausted/,
  };
}

function sweeperEvent(at: string, text: string): Event | undefined {
  const sent = /^alert sent: (.*)$/.exec(text);
  if (sent) return alertEvent(at, sent[1] as string);
  const release = /^(released|release blocked|release failed): (\S+) \([^)]*\) — (.*)$/.exec(text);
  if (!release) return undefined;
  const detail = release[1] === 'released' ? '' : `: ${(release[3] ?? '').split(/(?<=[.)])\s/)[0]}`;
  return { at, text: `sweeper ${release[1]} ${release[2]}${detail}` };
}

function auditorEvent(at: string, text: string): Event | undefined {
  const m =
    /^cluster (\S+): \d+ node groups?, (\d+) new findings?.*?, (\d+) resolved, (\d+) failing.* of (\d+) checks$/.exec(
      text,
    );
  if (!m) return undefined;
  const [, cluster, opened, resolved, failing, total] = m;
  if (opened === '0' && resolved === '0')
    return {
      at,
      text: `auditor: cluster ${cluster}, nothing new (${failing} of ${total} checks still failing), no alert`,
    };
  return {
    at,
    text: `auditor: cluster ${cluster}, ${opened} new findings, ${resolved} resolved, ${failing} of ${total} checks failing`,
    sends: /readiness finding/,
  };
}

/** The event a story line is in the demo, or undefined for what only `--verbose` tells. */
function eventOf(line: StoryLine, tells: ReadonlySet<string>): Event | undefined {
  const { at, kind, text } = line;
  if (kind === 'note') return { at, text };
  if (kind === 'alert') return alertEvent(at, text.replace(/^ {2}SNS alert: /, ''));
  if (kind === 'dropped') {
    const name = /event (\S+) was never delivered/.exec(text)?.[1] ?? 'an event';
    // One event is dropped once per rule that matched it: told once.
    return grouped(at, `dropped:${name}`, name, () => `EventBridge never delivered ${name}`);
  }
  if (kind === 'dlq' || kind === 'handler-error' || kind === 'warning') return { at, text: text.trim() };
  if (kind !== 'handler') return undefined;
  const [, fn = '', , body = ''] = HANDLER.exec(text) ?? [];
  if (!tells.has(fn)) return undefined;
  if (KEEPER.has(fn)) return keeperEvent(at, fn, body);
  if (fn === 'Sweeper') return sweeperEvent(at, body);
  if (fn === 'Auditor') return auditorEvent(at, body);
  return undefined;
}

/** Same instant, same group: one line (`keeper gave a to pod-1, b to pod-2`). */
function merge(events: readonly Event[]): Event[] {
  const out: Event[] = [];
  for (const e of events) {
    const prev = out[out.length - 1];
    const to = e.group?.items.length === 1 ? /^(\S+) to (\S+)$/.exec(e.group.items[0] as string) : null;
    if (
      prev?.freed &&
      to &&
      prev.at === e.at &&
      to[1] === prev.freed.ip &&
      e.group?.key === `${prev.freed.who}:gave`
    ) {
      const f = prev.freed;
      out[out.length - 1] = {
        at: e.at,
        text: `${f.who} moved ${f.ip} from ${f.from} to ${to[2]} (${f.why})`,
      };
      continue;
    }
    if (prev?.sends && e.alert && prev.at === e.at && prev.sends.test(e.alert)) {
      prev.text += '; alerted';
      prev.sends = undefined;
      continue;
    }
    if (prev?.group && e.group && prev.group.key === e.group.key && prev.at === e.at) {
      for (const item of e.group.items) if (!prev.group.items.includes(item)) prev.group.items.push(item);
      prev.text = prev.group.render(prev.group.items);
      continue;
    }
    out.push(e.group ? { ...e, group: { ...e.group, items: [...e.group.items] } } : e);
  }
  return out;
}

/**
 * The story's lines for the demo: curated (default) or every one (`verbose`), each stamped with its time. `tells`:
 * the functions whose decisions the story is about (others' show with `verbose`).
 */
export function curateStory(
  lines: readonly StoryLine[],
  labels: Readonly<Record<string, string>>,
  opts: { start: string; verbose: boolean; tells: readonly string[] },
): string[] {
  const tells = new Set(opts.tells);
  const stamp = (at: string, text: string) => `${storyTime(at, opts.start).padStart(9)}  ${text}`;
  if (opts.verbose) return lines.map((l) => stamp(l.at, withLabels(l.text, labels)));
  const events = lines.flatMap((l) => {
    const e = eventOf({ ...l, text: withLabels(l.text, labels) }, tells);
    return e ? [e] : [];
  });
  // A time in the text reads as the stamps do: `release after d+1 22:00`.
  const relative = (text: string) =>
    text.replace(/(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC/g, (_, day: string, hhmm: string) =>
      storyTime(`${day}T${hhmm}:00.000Z`, opts.start),
    );
  return merge(events).map((e) => clip(stamp(e.at, relative(e.text))));
}
