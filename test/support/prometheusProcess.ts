/**
 * Debian's real Prometheus (the `prometheus` package, installed by .ci/run) on a free loopback
 * port with the given configuration and rule files, its TSDB in a temporary directory. The
 * package's own system service (0.0.0.0:9090, /var/lib/prometheus) is neither used nor touched.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLoopbackDaemon, type LoopbackDaemon } from './loopbackDaemon';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface PrometheusOptions {
  /** The whole prometheus.yml; `rule_files` paths are relative to it (the files below sit beside it). */
  configYaml: string;
  /** Rule files by name, written beside the configuration. */
  ruleFiles?: Record<string, string>;
  /** How long a firing alert waits before Prometheus sends it to Alertmanager again (its default is 1m). */
  resendDelay?: string;
}

/** Ready once `/-/ready` answers. Its external URL is its loopback URL, so alerts' generatorURL points there. */
export function startPrometheus(options: PrometheusOptions): Promise<LoopbackDaemon> {
  return startLoopbackDaemon({
    name: 'Prometheus',
    bin: PROMETHEUS_BIN,
    install: 'apt-get install prometheus (.ci/run does)',
    readyPath: '/-/ready',
    async prepare(dir, port, url) {
      const configFile = join(dir, 'prometheus.yml');
      await writeFile(configFile, options.configYaml);
      for (const [name, text] of Object.entries(options.ruleFiles ?? {})) await writeFile(join(dir, name), text);
      return [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${url}`,
        `--rules.alert.resend-delay=${options.resendDelay ?? '1m'}`,
        '--log.level=warn',
      ];
    },
  });
}

/** The value of an instant query's first sample, or undefined when it returns none. */
export async function queryValue(prometheus: LoopbackDaemon, query: string): Promise<string | undefined> {
  const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  if (!response.ok) return undefined;
  const body = (await response.json()) as { data?: { result?: Array<{ value?: [number, string] }> } };
  return body.data?.result?.[0]?.value?.[1];
}
