import { MessageChannel, type MessagePort } from "node:worker_threads";
import { ThreadBroker, serveBroker, type EventBus, type InProcessBroker } from "../../src";

/** A service's bus and the two ends of the port it reaches the broker over. */
export interface BusOverPort {
  bus: EventBus;
  /** Served by the broker's thread; closing it is what the broker's thread ending does. */
  brokerEnd: MessagePort;
  /** The service's; closing it is what the service's thread ending does. */
  serviceEnd: MessagePort;
}

/** `source`'s bus reaching `broker` over a MessagePort, wired as embedded.ts wires a service on a thread of its own. */
export function busOverPort(broker: InProcessBroker, source: string): BusOverPort {
  const channel = new MessageChannel();
  serveBroker(broker, channel.port1, source);
  return {
    bus: new ThreadBroker(channel.port2).bus(source),
    brokerEnd: channel.port1,
    serviceEnd: channel.port2,
  };
}
