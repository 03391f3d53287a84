/**
 * Writes docs/notification.schema.json, the JSON Schema of the document machine subscribers of the alert topic
 * receive, from its one definition (shared/notify/document.ts), formatted as Biome formats JSON. A test fails when
 * the two differ.
 *
 *   npx tsx local/tools/notification-schema.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { notificationJsonSchema } from '../../shared/notify/document';

const target = fileURLToPath(new URL('../../docs/notification.schema.json', import.meta.url));
writeFileSync(target, notificationJsonSchema());
execFileSync('npx', ['biome', 'format', '--write', target], { stdio: 'inherit' });
process.stdout.write(`wrote ${target}\n`);
