/** The schedule routes on a bare Express app with the API's error handler: who is on call, and when it changes. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, notFoundRoute } from '../../api/http/httpErrors';
import { scheduleRoutes } from '../../api/routes/schedules';
import type { Schedule } from '../../domain/schedule';
import { scheduleFromConfig, scheduleSchema } from '../../domain/scheduleConfig';
import { onCallAnswerSchema, scheduleListAnswerSchema } from '../../api/routes/scheduleSchemas';

const primary = scheduleFromConfig(
  scheduleSchema.parse({
    timeZone: 'Europe/Berlin',
    layers: [
      { type: 'daily', users: ['alice', 'bob'], handoff: '09:00', start: '2026-03-02T09:00:00+01:00' },
      {
        type: 'weekly',
        users: ['carol'],
        handoffDay: 'monday',
        handoff: '09:00',
        start: '2026-03-02T09:00:00+01:00',
        restrictions: [{ days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], from: '09:00', to: '17:00' }],
      },
    ],
    overrides: [{ user: 'ghost', start: '2026-03-07T10:00:00Z', end: '2026-03-07T11:00:00Z' }],
  }),
);
const weekdaysOnly: Schedule = { timeZone: 'America/New_York', layers: [{ ...primary.layers[1] }] };

let server: Server;
let url: string;

beforeAll(async () => {
  const app = express();
  app.use(
    scheduleRoutes({
      schedules: { primary, 'weekdays-only': weekdaysOnly },
      contacts: { alice: { name: 'Alice' }, bob: { name: 'Bob' }, carol: { name: 'Carol' } },
      now: () => new Date('2026-03-04T12:00:00Z'),
    }),
  );
  app.use(notFoundRoute);
  app.use(errorHandler(pino({ level: 'silent' })));
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function get(path: string) {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('GET /v1/schedules', () => {
  it('lists the schedules with their time zones', async () => {
    expect(await get('/v1/schedules')).toEqual({
      status: 200,
      body: {
        schedules: [
          { id: 'primary', timeZone: 'Europe/Berlin' },
          { id: 'weekdays-only', timeZone: 'America/New_York' },
        ],
      },
    });
  });
});

describe('GET /v1/schedules/:id/oncall', () => {
  it('answers who is on call at a given time, with the handoffs of the next seven days', async () => {
    const { status, body } = await get('/v1/schedules/primary/oncall?at=2026-03-06T17:30:00%2B01:00');
    expect(status).toBe(200);
    expect(body.schedule).toBe('primary');
    expect(body.at).toBe('2026-03-06T16:30:00.000Z');
    expect(body.oncall).toEqual({ userId: 'alice', name: 'Alice', layer: 0 }); // Friday 17:30 CET: after business hours
    expect(body.nextHandoffs.slice(0, 4)).toEqual([
      { at: '2026-03-07T08:00:00.000Z', oncall: { userId: 'bob', name: 'Bob', layer: 0 } },
      { at: '2026-03-07T10:00:00.000Z', oncall: { userId: 'ghost', name: 'ghost', layer: 'override' } }, // not a contact: its id
      { at: '2026-03-07T11:00:00.000Z', oncall: { userId: 'bob', name: 'Bob', layer: 0 } },
      { at: '2026-03-08T08:00:00.000Z', oncall: { userId: 'alice', name: 'Alice', layer: 0 } },
    ]);
    const times = body.nextHandoffs.map((handoff: { at: string }) => Date.parse(handoff.at));
    expect(times.every((time: number, index: number) => time > (index === 0 ? Date.parse(body.at) : times[index - 1]))).toBe(true);
    expect(times.at(-1)).toBeLessThanOrEqual(Date.parse(body.at) + 7 * 86_400_000);
    // The answers are what /openapi.json documents (scheduleSchemas.ts), an override and a contact-less id included.
    expect(onCallAnswerSchema.safeParse(body).error?.issues ?? []).toEqual([]);
    expect(scheduleListAnswerSchema.safeParse((await get('/v1/schedules')).body).error?.issues ?? []).toEqual([]);
  });

  it('defaults to now, and answers null when nobody is on call', async () => {
    const now = await get('/v1/schedules/primary/oncall');
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ at: '2026-03-04T12:00:00.000Z', oncall: { userId: 'carol', name: 'Carol', layer: 1 } });
    const weekend = await get('/v1/schedules/weekdays-only/oncall?at=2026-03-07T12:00:00Z');
    expect(weekend.status).toBe(200);
    expect(weekend.body.oncall).toBeNull();
    expect(weekend.body.nextHandoffs[0]).toEqual({ at: '2026-03-09T13:00:00.000Z', oncall: { userId: 'carol', name: 'Carol', layer: 0 } }); // Monday 09:00 EDT
    expect(weekend.body.nextHandoffs[1]).toEqual({ at: '2026-03-09T21:00:00.000Z', oncall: null });
    expect(onCallAnswerSchema.safeParse(weekend.body).error?.issues ?? []).toEqual([]);
  });

  it('answers 404 naming an unknown schedule', async () => {
    for (const id of ['nope', 'constructor']) {
      const { status, body } = await get(`/v1/schedules/${id}/oncall`);
      expect(status).toBe(404);
      expect(body).toEqual({ error: `no schedule ${id}`, details: [{ field: 'id', message: 'no such schedule' }] });
    }
  });

  it('answers 400 naming query.at for a time that is not an ISO instant in 2000..2100', async () => {
    for (const at of ['yesterday', '2026-03-04T12:00:00', '2026-13-04T12:00:00Z', '1999-12-31T23:59:59Z', '2101-01-01T00:00:00Z', '']) {
      const { status, body } = await get(`/v1/schedules/primary/oncall?at=${encodeURIComponent(at)}`);
      expect(status, at).toBe(400);
      expect(body.error).toBe('invalid query');
      expect(body.details.map((detail: { field: string }) => detail.field)).toEqual(['query.at']);
    }
    const twice = await get('/v1/schedules/primary/oncall?at=2026-03-04T12:00:00Z&at=2026-03-05T12:00:00Z');
    expect(twice.status).toBe(400);
    expect(twice.body.details[0].field).toBe('query.at');
    const unknown = await get('/v1/schedules/primary/oncall?when=2026-03-04T12:00:00Z');
    expect(unknown.status).toBe(400);
    expect(unknown.body.details[0]).toMatchObject({ field: 'query', message: expect.stringContaining('when') });
  });
});
