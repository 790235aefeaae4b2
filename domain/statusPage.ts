/**
 * What a public status page may say about a group of services. Only what responders published
 * (status updates and their ETA), what the severity implies (impact) and the incident commander's
 * name leave here: never the alert's summary or labels, other responders' names, pages or the timeline. The page is built from
 * this model alone, so nothing else can reach it by accident.
 */
import type { IncidentView } from './incident';
import { compareSeverity, type Severity } from './severity';
import type { StatusPageConfig } from './statusPageConfig';

export type ServiceCondition = 'operational' | 'degraded' | 'partial-outage' | 'major-outage';

/** The impact a stakeholder reads for an incident of each severity. */
export const IMPACT_OF_SEVERITY: Record<Severity, Exclude<ServiceCondition, 'operational'>> = {
  critical: 'major-outage',
  error: 'partial-outage',
  warning: 'degraded',
  info: 'degraded',
};

export const CONDITION_TEXT: Record<ServiceCondition, string> = {
  operational: 'Operational',
  degraded: 'Degraded performance',
  'partial-outage': 'Partial outage',
  'major-outage': 'Major outage',
};

export interface PublicIncident {
  severity: Severity;
  impact: Exclude<ServiceCondition, 'operational'>;
  /** `investigating` until a responder acknowledges, then `responding`. */
  phase: 'investigating' | 'responding';
  /** When the incident opened. */
  since: string;
  /** The newest update a responder published, without its author. */
  latestUpdate?: { at: string; text: string };
  /** Expected resolution, from the newest update that gave one. */
  eta?: string;
  /**
   * The incident commander's name: the one person a status page names (#15.6), so stakeholders
   * know who leads the response. Other roles, responders and pages stay off the page.
   */
  commander?: string;
}

export interface PublicService {
  name: string;
  condition: ServiceCondition;
  incidents: PublicIncident[];
}

export interface PublicStatus {
  title: string;
  /** The worst condition of any service on the page. */
  condition: ServiceCondition;
  services: PublicService[];
  generatedAt: string;
}

const CONDITION_ORDER: ServiceCondition[] = ['major-outage', 'partial-outage', 'degraded', 'operational'];

function worst(conditions: ServiceCondition[]): ServiceCondition {
  return CONDITION_ORDER.find((condition) => conditions.includes(condition)) ?? 'operational';
}

/** Only the published parts of one open incident. */
export function publicIncident(view: IncidentView): PublicIncident {
  const updates = view.updates ?? [];
  const latest = updates[updates.length - 1];
  const withEta = [...updates].reverse().find((update) => update.eta);
  return {
    severity: view.severity,
    impact: IMPACT_OF_SEVERITY[view.severity],
    phase: view.status === 'acknowledged' ? 'responding' : 'investigating',
    since: view.createdAt,
    ...(latest ? { latestUpdate: { at: latest.at, text: latest.text } } : {}),
    ...(withEta?.eta ? { eta: withEta.eta } : {}),
    ...(view.roles?.commander ? { commander: view.roles.commander.name } : {}),
  };
}

/**
 * The status of a page's services from their open incidents (views of resolved ones are ignored).
 * @param serviceNames display names by service id (ids stand in for services without one).
 */
export function publicStatus(page: StatusPageConfig, open: IncidentView[], serviceNames: Record<string, string | undefined>, now: Date): PublicStatus {
  const services = page.services.map((serviceId): PublicService => {
    const incidents = open
      .filter((view) => view.service === serviceId && view.status !== 'resolved')
      .sort((a, b) => compareSeverity(a.severity, b.severity) || Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map(publicIncident);
    return { name: serviceNames[serviceId] ?? serviceId, condition: worst(incidents.map((incident) => incident.impact)), incidents };
  });
  return { title: page.title, condition: worst(services.map((service) => service.condition)), services, generatedAt: now.toISOString() };
}
