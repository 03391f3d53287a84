/** The `source` of every custom event eip-keeper puts on EventBridge (findings, alerts, cost-ledger changes). */
export const EVENT_SOURCE = 'eip-keeper';
