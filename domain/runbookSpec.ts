/**
 * What a runbook declares about itself, without its steps: its id, the alerts it handles and the
 * parameters it needs from config. The plan reads only this, so the API can choose a runbook
 * without loading runbook code (which runs commands and touches disks on the worker).
 */
import type { z } from 'zod';
import type { RunbookMatch } from './runbookMatch';

export interface RunbookSpec<Schema extends z.ZodType = z.ZodType> {
  /** Unique, stable id: config refers to it and incident timelines record it. */
  id: string;
  description: string;
  match: RunbookMatch;
  /** Schema of the per-service parameters in config (`services.<id>.runbooks.<runbook id>`). */
  params: Schema;
}

/** Declares a runbook's spec; the identity function exists for type inference of `params`. */
export function defineRunbookSpec<Schema extends z.ZodType>(spec: RunbookSpec<Schema>): RunbookSpec<Schema> {
  return spec;
}
