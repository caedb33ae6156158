export * from './pool-client.js';
