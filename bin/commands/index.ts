import { auditCommand } from './audit'; // issue 5 (auditor)
import { demoCommand } from './demo';
import { maxPodsCommand } from './max-pods'; // issue 5 (auditor)
import { poolsCommand } from './pools';
import { reportCommand } from './report';
import { simulateCommand } from './simulate';
import { sweepCommand } from './sweep';
import type { CliCommand } from './types';

/** Every `eip-keeper` command; capabilities add theirs here. */
export const COMMANDS: CliCommand[] = [
  demoCommand,
  simulateCommand,
  poolsCommand,
  sweepCommand,
  reportCommand,
  auditCommand, // issue 5 (auditor)
  maxPodsCommand, // issue 5 (auditor)
];
