/**
 * What the API asks of an incident's chat side (`workflows/incidentChat.ts`): open the room now
 * (`/vigil room`), and the review is completed (archive the room). Routes depend on this interface,
 * tested with a fake; Temporal is the implementation.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { chatReviewCompletedSignal, chatRoomRequestSignal } from '../../contracts/incidentChat';
import { incidentChatWorkflowId } from '../../domain/chat/chatEvents';
import { decodeIncidentId } from '../../domain/incidentId';

export interface IncidentChatGateway {
  /** @returns false when the incident has no chat side (running). */
  requestRoom(incidentId: string): Promise<boolean>;
  /** @returns false when the incident has no chat side (running). */
  reviewCompleted(incidentId: string): Promise<boolean>;
}

export function createTemporalChatGateway(client: Client, deadlineMs = 5_000): IncidentChatGateway {
  async function signal(incidentId: string, send: (workflowId: string) => Promise<void>): Promise<boolean> {
    const ref = decodeIncidentId(incidentId);
    if (!ref) return false;
    try {
      await client.connection.withDeadline(Date.now() + deadlineMs, () => send(incidentChatWorkflowId(ref.runId)));
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
  return {
    requestRoom: (incidentId) => signal(incidentId, (workflowId) => client.workflow.getHandle(workflowId).signal(chatRoomRequestSignal)),
    reviewCompleted: (incidentId) => signal(incidentId, (workflowId) => client.workflow.getHandle(workflowId).signal(chatReviewCompletedSignal)),
  };
}
