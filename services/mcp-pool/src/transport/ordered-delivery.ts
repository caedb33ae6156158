import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';

/**
 * Makes a connected transport hand messages to the client one microtask apart. The SDK's
 * Protocol runs notification handlers a microtask after receipt but settles responses at once,
 * so when a progress notification and the final response arrive in one chunk, the response
 * removed the progress handler before the notification reached it and the last progress update
 * was lost. Delivering the next message only after the handler's microtask keeps wire order.
 * Call after `client.connect(transport)` (which installs the client's onmessage).
 */
export function deliverInOrder(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  const queue: Array<[JSONRPCMessage, MessageExtraInfo | undefined]> = [];
  let draining = false;
  const drainOne = (): void => {
    const next = queue.shift();
    if (!next) {
      draining = false;
      return;
    }
    deliver(next[0], next[1]);
    queueMicrotask(drainOne);
  };
  transport.onmessage = <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => {
    queue.push([message, extra]);
    if (!draining) {
      draining = true;
      drainOne();
    }
  };
}
