// Temporal's failure converter for Vigil's activities, loaded by path (`failureConverterPath`,
// see platform/failureEncoding.ts): an activity failure's message and stack trace move into an
// encoded payload, so the payload codec (platform/payloadEncryption.ts) encrypts them like every
// other payload. A runbook's error text, or a stack naming hosts and paths, never sits in a
// history in clear. Histories written before it (plain messages) still decode.
// CommonJS so that Node's plain require() (which the SDK uses) loads it under tsx, vitest and the
// build alike.
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
