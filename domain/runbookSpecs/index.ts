/**
 * Every runbook's spec, in matching order (the first that matches an alert, and that the alert's
 * service has parameters for, runs). The API plans with this list; the worker's `runbooks/index.ts`
 * lists the same runbooks with their steps, in the same order (test/runbooks/registry.test.ts).
 */
import type { RunbookSpec } from '../runbookSpec';
import { diskCleanupSpec } from './diskCleanup';
import { httpHealthRestartSpec } from './httpHealthRestart';

export const RUNBOOK_SPECS: readonly RunbookSpec[] = [httpHealthRestartSpec, diskCleanupSpec];
