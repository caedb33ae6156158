/**
 * A flame graph (SVG + PNG) and a summary (Markdown) from one V8 .cpuprofile:
 *   node --conditions=source --import tsx bench/profile/flame-graph.ts <file.cpuprofile> --service gateway --out docs/perf/gateway [--command "…"]
 * writes docs/perf/gateway.svg, .png and .md. --window START_US,END_US (CLOCK_MONOTONIC microseconds, as
 * `process.hrtime.bigint() / 1000n` gives them) keeps only the samples taken inside that window. `npm run bench:profile` does this for every service.
 */
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFlameGraphs } from './flame-graph-files.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { service: { type: 'string' }, out: { type: 'string' }, command: { type: 'string' }, window: { type: 'string' } },
});
const profilePath = positionals[0];
if (!profilePath || !values.service || !values.out) {
  console.error('usage: flame-graph.ts <file.cpuprofile> --service NAME --out PATH_WITHOUT_EXTENSION [--command "how the profile was made"]');
  process.exit(2);
}
const [startUs, endUs] = (values.window ?? '').split(',').map(Number);
const window = values.window && Number.isFinite(startUs) && Number.isFinite(endUs) ? { startUs: startUs!, endUs: endUs! } : undefined;
if (values.window && !window) {
  console.error('--window takes START_US,END_US');
  process.exit(2);
}
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
await writeFlameGraphs([{ profilePath, service: values.service, command: values.command ?? `(profile ${profilePath})`, scope: window ? 'samples in the given window' : 'whole process life', window, outBase: values.out, projectRoot }]);
console.log(`wrote ${values.out}.svg, .png and .md`);
