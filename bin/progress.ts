/**
 * A progress line on stderr for long commands (`sweep`, `audit`), only when stderr is a terminal: stdout stays the
 * command's output, and a pipe or a log file never gets the redraws.
 */

export interface Progress {
  /** What is being done now. */
  set(text: string): void;
  /** Erases the line before other output; the next update draws it again. */
  clear(): void;
  /** Erases the line for good (call before printing the result). */
  done(): void;
}

/** No progress line (not a terminal, or a caller that prints none). */
export const QUIET: Progress = { set() {}, clear() {}, done() {} };

export function progressLine(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
): Progress {
  if (!stream.isTTY) return QUIET;
  const started = now();
  let text = 'starting';
  const draw = () => {
    const seconds = ((now() - started) / 1000).toFixed(1);
    const line = `${label}: ${seconds} s · ${text}`;
    stream.write(`\r\x1b[K${line.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}`);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  draw();
  return {
    set(t) {
      text = t;
    },
    clear() {
      stream.write('\r\x1b[K');
    },
    done() {
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}

/**
 * Wraps the ports of a dependency object so that every call says which port it went to: `onCall('store')`. The
 * capability's code is unchanged; the progress line learns where the time goes.
 */
export function observePorts<T extends object>(
  deps: T,
  ports: ReadonlyArray<keyof T>,
  onCall: (port: string) => void,
): T {
  const out = { ...deps };
  for (const key of ports) {
    const port = deps[key];
    if (typeof port !== 'object' || port === null) continue;
    out[key] = new Proxy(port, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          onCall(String(key));
          return value.apply(target, args);
        };
      },
    }) as T[keyof T];
  }
  return out;
}
