/**
 * The config a reader copies from the docs must load: the worked example in docs/escalation.md
 * (every channel, webhooks) goes through the same schema as vigil.config.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../domain/channels';
import { parseConfig } from '../../domain/config';

/** The object literal inside the page's first `defineConfig({...})` block, evaluated as JavaScript. */
function firstDefineConfig(markdownPath: string): unknown {
  const markdown = readFileSync(markdownPath, 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (!block) throw new Error(`no ts block in ${markdownPath}`);
  const literal = /defineConfig\(([\s\S]*)\);\s*$/.exec(block.trim())?.[1];
  if (!literal) throw new Error(`no defineConfig(...) in the first ts block of ${markdownPath}`);
  // A literal of plain data (the docs' own text, not input): comments and quotes as JavaScript reads them.
  return new Function(`return (${literal});`)() as unknown;
}

describe('docs examples', () => {
  it('the worked example in docs/escalation.md is a valid config using every channel and a webhook', () => {
    const config = parseConfig(firstDefineConfig('docs/escalation.md'), 'docs/escalation.md');
    const named = new Set([
      ...Object.values(config.contacts).flatMap((contact) => (contact.notificationRules ?? []).map((rule) => rule.channel)),
      ...Object.values(config.escalationPolicies).flatMap((policy) => policy.levels.flatMap((level) => level.channels ?? [])),
    ]);
    expect([...named].sort()).toEqual([...CHANNELS.ids].sort());
    expect(config.webhooks?.map((hook) => hook.id)).toEqual(['statuspage-bridge']);
  });

  it('the example in docs/chat.md is a valid config with channels, identities and room rules', () => {
    const config = parseConfig(firstDefineConfig('docs/chat.md'), 'docs/chat.md');
    expect(Object.keys(config.chatChannels)).toEqual(['ops-slack', 'ops-matrix']);
    expect(config.contacts.alice.chat).toMatchObject({ slack: 'U0123ALICE', direct: true, role: 'responder' });
    expect(config.incidentRooms.map((rule) => rule.open)).toEqual(['incident', 'request']);
  });
});
