export * from './pool-client.js';
export type { ToolCallTransport } from './tool-call-transport.js';
