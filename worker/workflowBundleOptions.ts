/**
 * The options every bundle of Vigil's workflow code is built with: the worker's child bundler,
 * `npm run build`, the devkit's stacks and the replay tests, so what is measured and replayed is
 * what runs.
 *
 * `preloadModules`: with `reuseV8Context` (the SDK's default) each workflow run gets its own
 * module cache, so every module the bundle reaches is evaluated again for every incident. The
 * modules listed here are evaluated once per worker thread and shared by every run instead. Only
 * pure domain modules qualify, with nothing per run at module scope and no import outside
 * `domain/` (`test/worker/workflowBundleOptions.test.ts` holds them to that), because a shared
 * module that kept per-run state would leak it between incidents and break replay.
 *
 * `failureConverterPath`: failures that end an update or a workflow are encoded like the
 * activities' (platform/failureEncoding.ts), so their messages are encrypted too.
 */
import { fileURLToPath } from 'node:url';
import type { BundleOptions } from '@temporalio/worker';
import { WORKFLOW_FAILURE_CONVERTER_PATH } from '../platform/failureEncoding';

const ROOT = new URL('..', import.meta.url);
const SOURCE_EXTENSION = import.meta.url.endsWith('.js') ? '.js' : '.ts';

/** The domain modules the workflows import (with what they import in turn), relative to the root, without extension. */
export const SHARED_WORKFLOW_MODULES = [
  'domain/incident',
  'domain/escalation',
  'domain/notification',
  'domain/channels/choice',
  'domain/incidentBrief',
  'domain/incidentId',
  'domain/incidentRoles',
  'domain/kpiAttributes',
  'domain/problem',
  'domain/recentIds',
  'domain/heartbeat',
  'domain/webhooks',
  'domain/chat/chatEvents',
  'domain/chat/chatText',
] as const;

export function workflowBundleOptions(workflowsPath: string, logger?: BundleOptions['logger']): BundleOptions {
  return {
    workflowsPath,
    failureConverterPath: WORKFLOW_FAILURE_CONVERTER_PATH,
    preloadModules: SHARED_WORKFLOW_MODULES.map((module) => fileURLToPath(new URL(`${module}${SOURCE_EXTENSION}`, ROOT))),
    ...(logger ? { logger } : {}),
  };
}
