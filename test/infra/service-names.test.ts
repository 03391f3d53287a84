/**
 * The service name each handler writes on its logs and metrics is the one the stack's alarms and dashboards select
 * (`kebabCase` of the function's id): read from each handler's source, for every function the stack deploys.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kebabCase } from '../../infra/constructs/event-function';
import { FUNCTIONS } from '../../shared/app/functions';
import { hubIngest } from '../../shared/hub/function-spec';

describe('service names', () => {
  it.each([...FUNCTIONS, hubIngest].map((spec) => [spec.id, spec.entry]))(
    '%s writes the name its alarms and dashboards select',
    (id, entry) => {
      const named = /lambdaHandler\(\s*'([^']+)'/.exec(readFileSync(entry, 'utf8'))?.[1];

      expect(named).toBe(kebabCase(id));
    },
  );
});
