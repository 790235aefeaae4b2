/**
 * The API's incident rooms (decision 79): the store answers what it knows (the worker shares it with
 * DATABASE_URL), visibility only what it does not; where no rule opens rooms visibility is never asked.
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { chatRoomsFor, chatRoomsFrom, type ChatRoomDirectory } from '../../api/gateways/chatRooms';
import { parseConfig } from '../../domain/config';

type Room = { platform: 'slack'; channelId: string; archived: boolean };
const room = (channelId: string): Room => ({ platform: 'slack', channelId, archived: false });

/** A directory of these rooms that records what it was asked. */
function directory(rooms: Record<string, Room>, asked: string[]): ChatRoomDirectory {
  return {
    roomOf: async (incidentId) => (asked.push(`roomOf ${incidentId}`), rooms[incidentId]),
    roomsOf: async (ids) => (asked.push(`roomsOf ${ids.join(',')}`), new Map(ids.filter((id) => rooms[id]).map((id) => [id, rooms[id]]))),
    incidentOfRoom: async (_platform, channelId) => (asked.push(`incidentOfRoom ${channelId}`), Object.entries(rooms).find(([, known]) => known.channelId === channelId)?.[0]),
  };
}

describe("the API's incident rooms", () => {
  it('takes what the store knows and asks visibility for the rest only', async () => {
    const storeAsked: string[] = [];
    const visibilityAsked: string[] = [];
    const rooms = chatRoomsFrom(directory({ a: room('CA') }, storeAsked), directory({ b: room('CB'), a: room('STALE') }, visibilityAsked));
    expect(await rooms.roomOf('a')).toEqual(room('CA'));
    expect(await rooms.roomsOf(['a'])).toEqual(new Map([['a', room('CA')]]));
    expect(await rooms.incidentOfRoom('slack', 'CA')).toBe('a');
    expect(visibilityAsked).toEqual([]);
    expect(await rooms.roomOf('b')).toEqual(room('CB'));
    expect(await rooms.roomsOf(['a', 'b', 'c'])).toEqual(new Map([['a', room('CA')], ['b', room('CB')]]));
    expect(await rooms.incidentOfRoom('slack', 'CB')).toBe('b');
    expect(visibilityAsked).toEqual(['roomOf b', 'roomsOf b,c', 'incidentOfRoom CB']);
  });

  it('never asks Temporal where no rule opens a room', async () => {
    const base = { services: { checkout: { escalationPolicy: 'p' } }, defaultEscalationPolicy: 'p', contacts: { alice: { name: 'Alice', email: 'a@example.test' } }, escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } } };
    const untouchable = new Proxy({}, { get: () => { throw new Error('Temporal was asked'); } }) as Client;
    const store = directory({}, []);
    expect(chatRoomsFor(parseConfig(base, 'no rooms'), store, untouchable)).toBe(store);
    const withRooms = chatRoomsFor(parseConfig({ ...base, incidentRooms: [{ platform: 'slack' }] }, 'rooms'), store, untouchable);
    expect(withRooms).not.toBe(store);
    await expect(withRooms.incidentOfRoom('slack', 'C0NONE')).rejects.toThrow('Temporal was asked');
  });
});
