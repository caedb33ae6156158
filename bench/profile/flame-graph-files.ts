/** One .cpuprofile to docs files: <out>.svg (flame graph), <out>.png (Chromium's rendering of it), <out>.md (summary). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCallTree, parseCpuProfile, type SampleWindow } from './call-tree.js';
import { flameGraphSvg } from './flame-svg.js';
import { summarize, summaryMarkdown } from './profile-summary.js';
import { renderSvgsToPng } from './svg-to-png.js';

export interface FlameGraphJob {
  profilePath: string;
  /** Named in the title and the summary ("gateway"). */
  service: string;
  /** The command that produced the profile, shown under the title. */
  command: string;
  /** Which part of the process's life is kept ("the 12 s throughput window"), shown in the title and the summary. */
  scope: string;
  /** Keep only the samples inside it; the whole profile without it. */
  window?: SampleWindow;
  /** Output path without extension (docs/perf/gateway). */
  outBase: string;
  /** Repository root: frames under its services/ and packages/ count as project code. */
  projectRoot: string;
}

/** Writes each job's SVG, PNG and summary; returns the summaries (Markdown), in job order. */
export async function writeFlameGraphs(jobs: readonly FlameGraphJob[]): Promise<string[]> {
  const pictures: Array<{ svg: string; pngPath: string }> = [];
  const summaries: string[] = [];
  for (const job of jobs) {
    const projectUrl = pathToFileURL(resolve(job.projectRoot)).href.replace(/\/?$/, '/');
    const tree = buildCallTree(parseCpuProfile(readFileSync(job.profilePath, 'utf8')), projectUrl, job.window);
    const summary = summarize(tree);
    const svg = flameGraphSvg(tree, { service: job.service, command: job.command, scope: job.scope, projectUrl, categories: summary.categories });
    const markdown = summaryMarkdown(summary, { service: job.service, command: job.command, scope: job.scope, projectUrl });
    mkdirSync(dirname(job.outBase), { recursive: true });
    writeFileSync(`${job.outBase}.svg`, svg);
    writeFileSync(`${job.outBase}.md`, markdown);
    pictures.push({ svg, pngPath: `${job.outBase}.png` });
    summaries.push(markdown);
  }
  await renderSvgsToPng(pictures);
  return summaries;
}
