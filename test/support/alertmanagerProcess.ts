/**
 * Debian's real Alertmanager (prometheus-alertmanager, installed by .ci/run) on a free loopback
 * port with the given configuration, clustering off, storage in a temporary directory.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLoopbackDaemon, type LoopbackDaemon } from './loopbackDaemon';

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/** `configYaml`: the whole alertmanager.yml. Ready once `/-/ready` answers. */
export function startAlertmanager(configYaml: string): Promise<LoopbackDaemon> {
  return startLoopbackDaemon({
    name: 'Alertmanager',
    bin: ALERTMANAGER_BIN,
    install: 'apt-get install prometheus-alertmanager (.ci/run does)',
    readyPath: '/-/ready',
    async prepare(dir, port) {
      const configFile = join(dir, 'alertmanager.yml');
      await writeFile(configFile, configYaml);
      // An empty cluster address turns gossip off: no second port, no peers to wait for.
      return [`--config.file=${configFile}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'];
    },
  });
}

/** A route sending every alert to one Vigil webhook with its integration token, resolutions included. */
export function vigilWebhookConfig(webhookUrl: string, token: string, route: { groupBy: string[]; groupWait: string; groupInterval: string }): string {
  return [
    'route:',
    '  receiver: vigil',
    `  group_by: [${route.groupBy.map((label) => `'${label}'`).join(', ')}]`,
    `  group_wait: ${route.groupWait}`,
    `  group_interval: ${route.groupInterval}`,
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: vigil',
    '    webhook_configs:',
    `      - url: ${webhookUrl}`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    `            credentials: ${token}`,
    '',
  ].join('\n');
}
