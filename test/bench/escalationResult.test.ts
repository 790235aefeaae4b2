import { describe, expect, it } from 'vitest';
import { escalationResult } from '../../bench/harness/escalationResult';
import type { MemoryRun } from '../../bench/harness/escalationReport';

const point = (open: number, rssMb: number, rssAfterGcMb: number) => ({ open, rssMb, rssAfterGcMb, spreadMb: 0, cached: open, load: 1 });
const run = (label: string, points: ReturnType<typeof point>[]): MemoryRun => ({ label, maxCachedWorkflows: 200, points, openSeconds: 1, retries: 0, from: 0, to: 1 });

describe('escalationResult', () => {
  it('judges growth per open incident as the printed report does (the larger of as found and after GC), beside the bare worker', () => {
    const result = escalationResult({ perIncident: run('vigil', [point(20, 650, 619), point(220, 733, 733)]), floorMemory: run('floor', [point(20, 291, 286), point(220, 332, 302)]) }, {});
    const [memory] = result.figures;
    expect(memory.value).toBeCloseTo(((733 - 619) / 200) * 1024, 6);
    expect(memory.floor?.value).toBeCloseTo(((332 - 291) / 200) * 1024, 6);
    expect(result.series?.memoryVigil).toEqual([[20, 650], [220, 733]]);
    expect(result.series?.memoryPlateau).toEqual([]);
  });

  it('hands over what finished when a later part did not', () => {
    const result = escalationResult({ lateness: { vigil: [10, 30], vigilHanded: [], smtpLeg: [], floor: [5], floorSmtp: [8, 9], fallbacks: 0, retries: 0, from: 0, to: 1 } }, {});
    expect(result.figures.map((figure) => [figure.name, figure.value, figure.floor?.value])).toEqual([
      ['level-2 page at the SMTP sink − its due time, p50', 10, 8],
      ['level-2 page at the SMTP sink − its due time, p99', 30, 9],
    ]);
  });
});
