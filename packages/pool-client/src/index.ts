export * from './pool-client.js';
export type { ToolCallTransport } from './tool-call-transport.js';
export * from './catalog-tool-caller.js';
