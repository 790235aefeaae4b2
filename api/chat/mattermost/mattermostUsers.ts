/**
 * Mattermost's slash commands carry mentions as typed (`@carol`), not as user ids as Slack's do.
 * The user id a username belongs to is asked of Mattermost's REST API (`GET /users/username/:name`,
 * the official client) with the bot's token, so `/vigil role commander @carol` names the contact
 * whose `chat.mattermost` is that id, never a contact who happens to be called `carol` in Vigil.
 */
import mattermostClient, { type ClientError as MattermostClientError } from '@mattermost/client';

const { Client4, ClientError } = mattermostClient;

/** The user id of `@username` on the platform, or undefined when it has no such user. */
export type MentionLookup = (mention: string) => Promise<string | undefined>;

/** Mattermost's usernames: a lower-case letter, then letters, digits, ".", "_" and "-", up to 64 (so `@..` never becomes a path segment). */
const USERNAME = /^@([a-z][a-z0-9._-]{0,63})$/;

export function mattermostMentionLookup(options: { url: string; token: string }): MentionLookup {
  const client = new Client4();
  client.setUrl(options.url.replace(/\/+$/, ''));
  client.setToken(options.token);
  client.setIncludeCookies(false);
  return async (mention) => {
    const username = USERNAME.exec(mention.toLowerCase())?.[1];
    if (!username) return undefined;
    try {
      return (await client.getUserByUsername(username)).id;
    } catch (error) {
      if (error instanceof ClientError && (error as MattermostClientError).status_code === 404) return undefined;
      throw error;
    }
  };
}

/** From `MATTERMOST_URL` and `MATTERMOST_BOT_TOKEN` (the workers' own); undefined without them. */
export function mattermostMentionLookupFromEnv(env: NodeJS.ProcessEnv): MentionLookup | undefined {
  const url = env.MATTERMOST_URL?.trim();
  const token = env.MATTERMOST_BOT_TOKEN?.trim();
  return url && token ? mattermostMentionLookup({ url, token }) : undefined;
}
