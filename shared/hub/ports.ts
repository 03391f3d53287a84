/** What the hub's ingestion tells outside its table: its alert topic (shared/notify's SNS publisher implements it). */
export type { NotificationPort as HubAlertPort } from '../notify/ports';
