/**
 * Maintenance windows: while one covers an alert, the alert is recorded as a suppressed event
 * and pages nobody. Pure: windows come from the SQL store, time from the caller.
 */
import type { Alert } from './alert';
import { matchesAlert } from './classification';

export interface MaintenanceWindow {
  id: string;
  /** The service it covers; every service when absent (then `matchers` must narrow it). */
  service?: string;
  /** Labels an alert must carry (same syntax as event rules: exact, `*`, or `/regex/`). */
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  reason: string;
  createdBy: string;
  createdAt: string;
}

export function isActive(window: Pick<MaintenanceWindow, 'startsAt' | 'endsAt'>, now: Date): boolean {
  return Date.parse(window.startsAt) <= now.getTime() && now.getTime() < Date.parse(window.endsAt);
}

/** The first active window that covers the alert, if any. */
export function windowCovering(windows: readonly MaintenanceWindow[], alert: Pick<Alert, 'source' | 'service' | 'severity' | 'labels'>, now: Date): MaintenanceWindow | undefined {
  return windows.find(
    (window) => isActive(window, now) && matchesAlert({ service: window.service ? [window.service] : undefined, labels: window.matchers }, alert),
  );
}
