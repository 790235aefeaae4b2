// Temporal's failure converter inside Vigil's workflow bundle (`failureConverterPath` of
// worker/workflowBundleOptions.ts). Failures that end an update or a workflow, or carry an
// activity's failure, are Temporal failures: their messages can hold what people typed or what a
// runbook said, so they are encoded (and encrypted by the codec) as the activities' are. Any other
// error thrown in workflow code fails the workflow task and is a bug in the code, not data: its
// message stays readable in the Temporal UI, the worker's log and the replayer, where operators
// diagnose a stuck workflow. CommonJS for the same reason as platform/encodedFailures.cjs.
'use strict';
const { DefaultFailureConverter, TemporalFailure } = require('@temporalio/common');

const encoded = new DefaultFailureConverter({ encodeCommonAttributes: true });
const plain = new DefaultFailureConverter();

exports.failureConverter = {
  errorToFailure(error, payloadConverter, context) {
    return (error instanceof TemporalFailure ? encoded : plain).errorToFailure(error, payloadConverter, context);
  },
  // Decoding is the same for both: encoded attributes are opened wherever they are present.
  failureToError(failure, payloadConverter, context) {
    return plain.failureToError(failure, payloadConverter, context);
  },
};
