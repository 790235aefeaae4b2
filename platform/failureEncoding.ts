/**
 * Where Vigil's failure converters live, for the worker's data converter and the workflow bundle:
 * Temporal loads a failure converter by path, not by value. The same paths hold in the sources
 * and in a build (`npm run build` copies the files beside the compiled modules).
 * - Activities: every failure's message and stack trace encoded (platform/encodedFailures.cjs).
 * - Workflows: Temporal failures encoded, workflow task failures (code errors) readable
 *   (platform/workflowFailures.cjs).
 * With a payload codec (VIGIL_PAYLOAD_KEYS) "encoded" means encrypted; without one they are
 * plain JSON payloads, like the rest of the history.
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';

export const FAILURE_CONVERTER_FILES = ['encodedFailures.cjs', 'workflowFailures.cjs'] as const;
const pathOf = (file: (typeof FAILURE_CONVERTER_FILES)[number]) => fileURLToPath(new URL(`./${file}`, import.meta.url));

export const ACTIVITY_FAILURE_CONVERTER_PATH = pathOf('encodedFailures.cjs');
export const WORKFLOW_FAILURE_CONVERTER_PATH = pathOf('workflowFailures.cjs');

/** The worker's `dataConverter`, its activities' failures encoded (so encrypted when it has a codec). */
export function withEncodedFailures(dataConverter: DataConverter = {}): DataConverter {
  return { ...dataConverter, failureConverterPath: ACTIVITY_FAILURE_CONVERTER_PATH };
}
