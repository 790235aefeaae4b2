/**
 * The worker's start-up check of the secrets that sign pages on the `webhook` channel, as incident
 * events' secrets are checked (`activities/webhooks.ts`): a worker that would send a page its
 * receiver must refuse, or not send it at all, says so before it takes work, naming the field.
 */
import { CHANNELS } from '../domain/channels';
import { parseWebhookAddress } from '../domain/channels/webhook';
import { ConfigError, type VigilConfig } from '../domain/config';
import { webhookSecretProblem } from './webhookSigning';

export function checkWebhookPagerSecrets(contacts: VigilConfig['contacts'], env: Record<string, string | undefined>): void {
  const issues: Array<{ path: string; message: string }> = [];
  for (const [contactId, contact] of Object.entries(contacts)) {
    const address = CHANNELS.contactAddress(contact, 'webhook');
    if (address === undefined) continue;
    const secretEnv = parseWebhookAddress(address)?.secretEnv;
    // The message names the variable, never its value.
    const problem = secretEnv ? webhookSecretProblem(secretEnv, env[secretEnv]) : 'not a webhook address';
    if (problem) issues.push({ path: `contacts.${contactId}.webhook.secretEnv`, message: `${problem} (the signing secret of pages to ${contact.name})` });
  }
  if (issues.length > 0) throw new ConfigError('webhook pager secrets', issues);
}
