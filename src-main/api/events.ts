/** The event hub lives in the services layer (services/event-hub.ts); re-exported here for the transports. */
export { createEventHub, type AnyEventListener, type EventHub, type EventHubOptions } from '../services/event-hub';
