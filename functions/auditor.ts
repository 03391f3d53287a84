/**
 * Node-group auditor: on EKS changes, pod-subnet exhaustion signals and a daily schedule, checks every node group's
 * readiness for security groups for pods, custom networking, pod-EIP egress and IP headroom, and announces findings
 * that are new or resolved (docs/auditor.md).
 */
import { type AuditorResult, createAuditor } from '../shared/auditor/auditor';
import { parseTrigger } from '../shared/auditor/triggers';
import { auditorDepsFromContext } from '../shared/auditor/wiring';
import type { HandlerFactory } from '../shared/runtime/context';
import { lambdaHandler } from '../shared/runtime/lambda';

export const createHandler: HandlerFactory<unknown, AuditorResult> = (ctx) => {
  const audit = createAuditor(auditorDepsFromContext(ctx));
  const origin = { accountId: ctx.env.accountId, region: ctx.env.region };
  return (event) => audit(parseTrigger(event, origin));
};

export const handler = lambdaHandler('auditor', createHandler);
