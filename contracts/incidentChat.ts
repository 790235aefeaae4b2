/** Every message of the incident chat workflow (`workflows/incidentChat.ts`), declared once for the incident workflow, the API and the tests. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ChatEvent } from '../domain/chat/chatEvents';
import type { IncidentRoom } from '../domain/chat/platform';

/** An incident event after the first (which starts the workflow). */
export const chatEventSignal = defineSignal<[ChatEvent]>('chatEvent');
/** Someone asked for the incident's room (`/vigil room`), where its rule opens one only on request. */
export const chatRoomRequestSignal = defineSignal('chatRoomRequest');
/** The post-incident review was completed: the room may be archived. */
export const chatReviewCompletedSignal = defineSignal('chatReviewCompleted');
/** The incident's room, once opened. */
export const chatRoomQuery = defineQuery<IncidentRoom | undefined>('chatRoom');
