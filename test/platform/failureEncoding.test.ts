/**
 * The failure converters Temporal loads by path: what they encode, what they leave readable, and
 * that what they encode reads back whole. (The e2e test in test/e2e/incidentLifecycle.test.ts
 * checks a real runbook failure's history on the dev server.)
 */
import { createRequire } from 'node:module';
import { ApplicationFailure, defaultPayloadConverter, type FailureConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_FAILURE_CONVERTER_PATH, withEncodedFailures, WORKFLOW_FAILURE_CONVERTER_PATH } from '../../platform/failureEncoding';

// The way the SDK loads them: Node's plain require() of the path.
const require = createRequire(import.meta.url);
const converterAt = (path: string) => (require(path) as { failureConverter: FailureConverter }).failureConverter;
const activityConverter = converterAt(ACTIVITY_FAILURE_CONVERTER_PATH);
const workflowConverter = converterAt(WORKFLOW_FAILURE_CONVERTER_PATH);
const SECRET = 'token s3cr3t-for-this-test';

describe('failure encoding', () => {
  it('encodes every activity error, plain ones included, and decodes it whole', () => {
    const failure = activityConverter.errorToFailure(new Error(`restart refused: ${SECRET}`), defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(failure.encodedAttributes).toBeTruthy();
    const back = activityConverter.failureToError(failure, defaultPayloadConverter);
    expect(back.message).toBe(`restart refused: ${SECRET}`);
    expect(back.stack).toContain('failureEncoding.test');
  });

  it('encodes a workflow failure that ends an update or a workflow, but leaves a code error readable', () => {
    const refusal = workflowConverter.errorToFailure(ApplicationFailure.create({ message: `already acknowledged by ${SECRET}`, nonRetryable: true }), defaultPayloadConverter);
    expect(refusal.message).toBe('Encoded failure');
    expect(workflowConverter.failureToError(refusal, defaultPayloadConverter).message).toBe(`already acknowledged by ${SECRET}`);
    const bug = workflowConverter.errorToFailure(new TypeError("Cannot read properties of undefined (reading 'levels')"), defaultPayloadConverter);
    expect(bug.message).toBe("Cannot read properties of undefined (reading 'levels')");
    expect(bug.encodedAttributes).toBeFalsy();
  });

  it("reads failures written before encoding as they are", () => {
    const old = { message: 'plain old failure', stackTrace: 'at somewhere', applicationFailureInfo: { type: 'Error' } };
    expect(workflowConverter.failureToError(old, defaultPayloadConverter).message).toBe('plain old failure');
    expect(activityConverter.failureToError(old, defaultPayloadConverter).message).toBe('plain old failure');
  });

  it("sets the activity converter on a worker's data converter and keeps its codecs", () => {
    const codec = { encode: async (payloads: never[]) => payloads, decode: async (payloads: never[]) => payloads };
    expect(withEncodedFailures({ payloadCodecs: [codec] })).toEqual({ payloadCodecs: [codec], failureConverterPath: ACTIVITY_FAILURE_CONVERTER_PATH });
  });
});
