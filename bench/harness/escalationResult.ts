/**
 * bench:escalation's figures as data for `npm run bench:report`: memory per open incident beside
 * the bare worker's, page lateness beside the bare timer's, and the memory and lateness samples
 * the report draws.
 */
import type { BenchFigure, BenchResult } from './benchResult';
import type { LatenessRun, MemoryRun } from './escalationReport';
import { percentile } from './stats';

/** Growth per open incident, judged as the text report judges it: the larger of as found and after GC. */
function perIncidentMb(run: MemoryRun): number {
  const [before, after] = [run.points[0], run.points[run.points.length - 1]];
  const opened = after.open - before.open;
  return Math.max(after.rssMb - before.rssMb, after.rssAfterGcMb - before.rssAfterGcMb) / opened;
}

const points = (run: MemoryRun | undefined): Array<[number, number]> => (run ? run.points.map((point) => [point.open, point.rssMb]) : []);

export function escalationResult(
  runs: { perIncident?: MemoryRun; floorMemory?: MemoryRun; plateau?: MemoryRun; lateness?: LatenessRun },
  settings: BenchResult['settings'],
): BenchResult {
  const { perIncident, floorMemory, plateau, lateness } = runs;
  const figures: BenchFigure[] = [];
  if (perIncident) {
    figures.push({
      name: 'worker memory per open incident',
      value: perIncidentMb(perIncident) * 1024,
      unit: 'KB',
      ...(floorMemory ? { floor: { name: 'bare worker, one activity and a 1 h timer per workflow', value: perIncidentMb(floorMemory) * 1024 } } : {}),
      goal: '≤ 400 KB',
    });
  }
  if (plateau) {
    const last = plateau.points[plateau.points.length - 1];
    figures.push({ name: `worker RSS with ${last.open} open incidents (cache ${plateau.maxCachedWorkflows})`, value: last.rssMb, unit: 'MB', goal: '< 400 MB, flat' });
  }
  if (lateness) {
    for (const p of [50, 99]) {
      figures.push({ name: `level-2 page at the SMTP sink − its due time, p${p}`, value: percentile(lateness.vigil, p), unit: 'ms', floor: { name: `bare timer + 1 activity sending 1 email, p${p}`, value: percentile(lateness.floorSmtp, p) }, goal: 'p99 ≤ floor + 100 ms' });
    }
  }
  return {
    bench: 'escalation',
    settings,
    figures,
    series: {
      memoryVigil: points(perIncident),
      memoryFloor: points(floorMemory),
      memoryPlateau: points(plateau),
      latenessVigil: lateness?.vigil ?? [],
      latenessFloor: lateness?.floor ?? [],
      latenessFloorSmtp: lateness?.floorSmtp ?? [],
    },
  };
}
