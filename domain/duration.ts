const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** A duration written the way ops people write them in config: `30s`, `5m`, `2h`, `1d`. */
export type DurationText = `${number}${keyof typeof UNIT_SECONDS}`;

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(s|m|h|d)$/;

/**
 * Parses `30s`, `5m`, `2h` or `1d` to whole seconds.
 * @returns `undefined` when the text is not such a duration.
 */
export function parseDurationSeconds(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS]);
}

/** Seconds as people read them: `42 s`, `5 min`, `1 h 30 min`, `5 d`. */
export function formatDurationSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return [days ? `${days} d` : '', hours ? `${hours} h` : '', minutes ? `${minutes} min` : ''].filter(Boolean).join(' ');
}
