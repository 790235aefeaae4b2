/**
 * Every runbook Vigil can run, in matching order (the first that matches an alert, and that
 * the alert's service has parameters for, runs). Adding a runbook: one file, one line here.
 */
import diskCleanup from './diskCleanup';
import httpHealthRestart from './httpHealthRestart';
import type { Runbook } from './runbook';

export const RUNBOOKS: readonly Runbook[] = [httpHealthRestart, diskCleanup];
