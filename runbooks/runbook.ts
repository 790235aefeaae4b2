/**
 * The API a runbook author uses. A runbook is three async steps (diagnose, remediate, verify)
 * plus what alerts it handles and the parameters it needs from config. Each step runs as its own
 * Temporal activity with a timeout and retries; here it is a plain function, so a runbook is
 * unit-tested by calling its steps directly (see docs/runbooks.md). The id, match and params are
 * its spec, declared apart in `domain/runbookSpecs/` so the API can plan without this code.
 */
import type { z } from 'zod';
import type { Alert } from '../domain/alert';
import type { RunbookSpec } from '../domain/runbookSpec';

export interface RunbookContext<Params> {
  alert: Alert;
  /** This service's parameters for this runbook, from config, already validated. */
  params: Params;
  /** What `diagnose` found, for `remediate` and `verify` (empty in `diagnose`). */
  findings: Record<string, unknown>;
  /** Aborted when the step times out or the incident is resolved: pass it to fetch and child processes. */
  signal: AbortSignal;
  log: (message: string) => void;
}

export interface StepOutcome {
  /** false: the step ran but did not succeed; the incident escalates to a human. */
  ok: boolean;
  /** One line for the incident timeline and the page. */
  summary: string;
  /** Facts for later steps (kept small: they are stored in the incident's history). */
  findings?: Record<string, unknown>;
}

export interface VerifyOutcome {
  /** true: the service is healthy again and the incident resolves itself. */
  recovered: boolean;
  summary: string;
}

/** A runbook's spec (`domain/runbookSpec.ts`) with its steps, which run only on the worker. */
export interface RunbookDefinition<Schema extends z.ZodType> extends RunbookSpec<Schema> {
  diagnose(ctx: RunbookContext<z.output<Schema>>): Promise<StepOutcome>;
  remediate(ctx: RunbookContext<z.output<Schema>>): Promise<StepOutcome>;
  verify(ctx: RunbookContext<z.output<Schema>>): Promise<VerifyOutcome>;
}

/** A runbook with its parameter type erased, as the registry holds it. */
export type Runbook = RunbookDefinition<z.ZodType>;

/** Declares a runbook; the identity function exists for type inference of `params`. */
export function defineRunbook<Schema extends z.ZodType>(definition: RunbookDefinition<Schema>): RunbookDefinition<Schema> {
  return definition;
}
