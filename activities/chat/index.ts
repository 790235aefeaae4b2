/**
 * The chat platform registry (#16): platform id to its adapter, built from the environment. To add
 * a platform: write `activities/chat/<platform>.ts` exporting a `ChatPlatformFactory` that returns
 * the adapter when its environment variables are set (and undefined when they are not: the
 * platform is simply not configured), then add one line to `CHAT_PLATFORM_FACTORIES` below.
 */
import type { ChatPlatformId } from '../../domain/chat/platform';
import type { ChatPlatform } from './chatPlatform';
import { fromEnv as mattermostFromEnv } from './mattermost';
import { fromEnv as matrixFromEnv } from './matrix';
import { fromEnv as slackFromEnv } from './slack';
import { fromEnv as teamsFromEnv } from './teams';

/** Builds a platform's adapter from the environment; undefined when the platform is not configured there. */
export type ChatPlatformFactory = (env: Record<string, string | undefined>) => ChatPlatform | undefined;

/** One line per platform adapter: `slack: slackPlatformFromEnv,` and so on. */
export const CHAT_PLATFORM_FACTORIES: Partial<Record<ChatPlatformId, ChatPlatformFactory>> = {
  slack: slackFromEnv,
  mattermost: mattermostFromEnv,
  teams: teamsFromEnv,
  matrix: matrixFromEnv,
};

/** The adapters this worker has. */
export interface ChatPlatforms {
  get(id: ChatPlatformId): ChatPlatform | undefined;
  ids(): ChatPlatformId[];
}

/** The adapters given (tests pass recording ones). */
export function chatPlatformsOf(adapters: readonly ChatPlatform[]): ChatPlatforms {
  const byId = new Map(adapters.map((adapter) => [adapter.id, adapter]));
  return { get: (id) => byId.get(id), ids: () => [...byId.keys()] };
}

/** Every registered platform whose environment is set. */
export function chatPlatformsFromEnv(env: Record<string, string | undefined>, factories: Partial<Record<ChatPlatformId, ChatPlatformFactory>> = CHAT_PLATFORM_FACTORIES): ChatPlatforms {
  const adapters = Object.values(factories).flatMap((factory) => {
    const adapter = factory?.(env);
    return adapter ? [adapter] : [];
  });
  return chatPlatformsOf(adapters);
}
