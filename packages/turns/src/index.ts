export { turnScript } from './lua-scripts.js';
