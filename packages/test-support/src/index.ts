export * from './free-port.js';
export * from './redis.js';
export * from './model-emulator/index.js';
export * from './mcp-pool-process.js';
export * from './internal-api-key.js';
export * from './oidc-provider.js';
export * from './converse-messages.js';
export * from './chat-job.js';
