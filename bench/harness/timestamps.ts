/** A history event's protobuf timestamp in ms since the epoch, fractions kept (phases are a few ms); NaN when absent. */
type Long = { toNumber(): number };
export type Timestamp = { seconds?: number | Long | null; nanos?: number | null } | null | undefined;

export function msOf(ts: Timestamp): number {
  if (!ts) return Number.NaN;
  const secondsPart = ts.seconds;
  const whole = typeof secondsPart === 'object' && secondsPart !== null ? secondsPart.toNumber() : Number(secondsPart ?? 0);
  return whole * 1000 + (ts.nanos ?? 0) / 1e6;
}
