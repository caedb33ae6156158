export * from './user-server-store.js';
export * from './secret-cipher.js';
export * from './resolve-secret-cipher.js';
export { CorruptRecordError } from './server-record-codec.js';
export * from './redis-user-server-store.js';
export * from './dynamo-user-server-store.js';
export * from './ensure-dynamo-table.js';
export * from './create-user-server-store.js';
