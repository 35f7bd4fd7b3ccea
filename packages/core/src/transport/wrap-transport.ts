import type { OutgoingMessage } from './outgoing-message.js';
import type { SendResult } from './send-result.js';
import type { SendOptions, Transport } from './transport.js';

/**
 * A transport that behaves like `inner` except for the two send methods:
 * same name, capabilities and processor, `verify` and `close` passed through.
 */
export function wrapTransport(
  inner: Transport,
  methods: {
    send(message: OutgoingMessage, options: SendOptions): Promise<SendResult>;
    sendBatch(messages: readonly OutgoingMessage[], options: SendOptions): Promise<SendResult[]>;
  },
): Transport {
  const wrapped: Transport = {
    name: inner.name,
    capabilities: inner.capabilities,
    processor: inner.processor,
    send: (message, options = {}) => methods.send(message, options),
    sendBatch: (messages, options = {}) => methods.sendBatch(messages, options),
  };
  if (inner.verify) {
    const verify = inner.verify.bind(inner);
    wrapped.verify = (options) => verify(options);
  }
  if (inner.eraseContact) {
    const eraseContact = inner.eraseContact.bind(inner);
    wrapped.eraseContact = (email) => eraseContact(email);
  }
  if (inner.lookup) {
    const lookup = inner.lookup.bind(inner);
    wrapped.lookup = (queries, options) => lookup(queries, options);
  }
  if (inner.close) {
    const close = inner.close.bind(inner);
    wrapped.close = () => close();
  }
  return wrapped;
}
