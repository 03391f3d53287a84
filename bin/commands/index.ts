import { auditCommand } from './audit';
import { demoCommand } from './demo';
import { localCommand } from './local';
import { maxPodsCommand } from './max-pods';
import { poolsCommand } from './pools';
import { reportCommand } from './report';
import { simulateCommand } from './simulate';
import { sweepCommand } from './sweep';
import type { CliCommand } from './types';

/** Every `eip-keeper` command; capabilities add theirs here. */
export const COMMANDS: CliCommand[] = [
  demoCommand,
  simulateCommand,
  localCommand,
  poolsCommand,
  sweepCommand,
  reportCommand,
  auditCommand,
  maxPodsCommand,
];
