export { turnScript } from './lua-scripts.js';
export * from './history/index.js';
