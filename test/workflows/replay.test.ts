import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { parsePayloadKeys, payloadEncryptionWith } from '../../platform/payloadEncryption';
import { RECORDING_PAYLOAD_KEYS } from '../../devkit/recordingKeys';
import { workflowBundle } from '../support/temporalTestEnv';

const HISTORIES = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(HISTORIES).filter((name) => name.endsWith('.json'));
/** Recorded with payload encryption on (scripts/recordHistories.ts, the fixture key). */
const encryptedFiles = files.filter((name) => name.includes('-encrypted-'));
/** What a worker with VIGIL_PAYLOAD_KEYS set decodes with: the codec passes older, clear payloads through. */
const { dataConverter } = payloadEncryptionWith(parsePayloadKeys(RECORDING_PAYLOAD_KEYS));

// Written by scripts/recordHistories.ts in protobufjs' JSON form, read back the same way.
const historyOf = (file: string) => proto.temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(`${HISTORIES}${file}`, 'utf8')));
/** The workflow a history ran: the replayer runs that type from the bundle, so each file names its own. */
const workflowTypeOf = (file: string) => historyOf(file).events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

describe('replay of saved incident, heartbeat and problem histories against the current workflow code', () => {
  it('has histories to replay, clear and encrypted', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(encryptedFiles.length).toBeGreaterThanOrEqual(1);
  });

  it('has histories of every workflow the worker registers, each file named for its type', () => {
    const types = new Set(files.map(workflowTypeOf));
    expect([...types].sort()).toEqual(['heartbeatWorkflow', 'incidentChatWorkflow', 'incidentWorkflow', 'problemWorkflow', 'webhookDeliveryWorkflow']);
    for (const file of files) expect(workflowTypeOf(file)).toBe(`${file.split('-')[0]}Workflow`);
  });

  it.each(files.filter((file) => !encryptedFiles.includes(file)))('%s replays without nondeterminism', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyOf(file), file)).resolves.toBeUndefined();
  });

  it.each(files)('%s replays on a worker with payload encryption on', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter }, historyOf(file), file)).resolves.toBeUndefined();
  });

  it.each(encryptedFiles)('%s holds its contact data encrypted, and does not replay without the key', async (file) => {
    const history = historyOf(file);
    const bytes = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
    // The plan in the start input pages Alice and Bob (devkit/fakeWorkflowActivities.ts).
    for (const secret of ['+15550000001', '+15550000002', 'alice@example.test', 'bob@example.test']) expect(bytes.includes(secret)).toBe(false);
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    expect(input.map((payload) => Buffer.from(payload.metadata?.encoding ?? []).toString())).toEqual(['binary/encrypted']);
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file)).rejects.toThrow(/binary\/encrypted/);
  });
});
