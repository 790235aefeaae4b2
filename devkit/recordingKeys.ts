/**
 * The payload key of the encrypted histories in `test/histories/` (written by
 * scripts/recordHistories.ts, replayed by test/workflows/replay.test.ts). A fixture: it protects
 * nothing but those files, and no deployment may ever use it.
 */
export const RECORDING_PAYLOAD_KEYS = 'recording-fixture:0jnO/yTmNjcPxcAaCcN4rYozWdMBE5S7aQarAesN6ss=';
