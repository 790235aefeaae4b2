/** The workflow bundle's entry point: every workflow the worker registers. */
export { incidentWorkflow } from './incident';
export { problemWorkflow } from './problem';
export { heartbeatWorkflow } from './heartbeat';
export { webhookDeliveryWorkflow } from './webhookDelivery';
export { incidentChatWorkflow } from './incidentChat';
