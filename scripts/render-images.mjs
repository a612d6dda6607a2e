// Renders what reviewers and release managers see on GitHub — the sticky PR comment and the job
// summaries of the demo (plan, promote, rollback) — to PNG, the way GitHub shows them: GFM (marked)
// with GitHub's markdown stylesheet (github-markdown-css) in an 860 px comment column, in headless
// Chromium (Debian's `chromium` package). Also measures every table: columns, rendered widths and
// whether it scrolls sideways, written to docs/images/layout.json.
//
//   npm run images                         # demo → docs/images/*.png + layout.json
//   npm run images -- --measure a.md b.md  # measure (and render) any markdown files instead
//
// Not part of `npm test` (CI has no Chromium); the layout rules themselves are asserted in tests
// (test/e2e/report/layout.test.ts). Needs `npm run build` first (the demo runs from dist/).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { marked } from 'marked';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'images');
const COLUMN = 860;
const CHROMIUM = process.env.CHROMIUM ?? ['chromium', 'chromium-browser', 'google-chrome'].find((c) => {
  try {
    execFileSync('which', [c], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars', '--force-device-scale-factor=1'];

if (!CHROMIUM) {
  console.error('render-images: no Chromium found; on Debian: apt-get install -y chromium (or set CHROMIUM=/path/to/chrome)');
  process.exit(2);
}

const css = readFileSync(join(ROOT, 'node_modules', 'github-markdown-css', 'github-markdown-light.css'), 'utf8');

/** The measuring script: every table and code block, details opened so hidden ones count too. */
const MEASURE = `
document.addEventListener('DOMContentLoaded', () => {
  const shown = document.documentElement.scrollHeight;
  for (const d of document.querySelectorAll('details')) d.open = true;
  const tables = [...document.querySelectorAll('.markdown-body table')].map((t) => ({
    columns: t.rows[0] ? t.rows[0].cells.length : 0,
    rows: t.rows.length - 1,
    header: t.rows[0] ? [...t.rows[0].cells].map((c) => c.textContent.trim()) : [],
    width: Math.round(t.scrollWidth),
    available: Math.round(t.clientWidth),
    scrolls: t.scrollWidth > t.clientWidth + 1,
    columnWidths: t.rows[0] ? [...t.rows[0].cells].map((c) => Math.round(c.getBoundingClientRect().width)) : [],
  }));
  const code = [...document.querySelectorAll('.markdown-body pre')].map((p) => ({ width: p.scrollWidth, available: p.clientWidth, scrolls: p.scrollWidth > p.clientWidth + 1 }));
  const body = document.querySelector('.markdown-body');
  const out = document.createElement('script');
  out.type = 'application/json';
  out.id = 'metrics';
  out.textContent = JSON.stringify({ height: shown, bodyScrolls: body.scrollWidth > body.clientWidth + 1, tables, code });
  document.body.appendChild(out);
});`;

function page(markdown, measure) {
  const html = marked.parse(markdown, { gfm: true, async: false });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: ${COLUMN}px; padding: 16px; border: 1px solid #d1d9e0; border-radius: 6px; margin: 8px;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; }
</style>${measure ? `<script>${MEASURE}</script>` : ''}</head><body><article class="markdown-body">${html}</article></body></html>`;
}

function render(name, markdown, dir) {
  const measurePath = join(dir, `${name}.measure.html`);
  writeFileSync(measurePath, page(markdown, true));
  const dom = execFileSync(CHROMIUM, [...FLAGS, `--window-size=${COLUMN + 16},800`, '--virtual-time-budget=2000', '--dump-dom', pathToFileURL(measurePath).href], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  const json = /<script type="application\/json" id="metrics">([\s\S]*?)<\/script>/.exec(dom);
  if (!json) throw new Error(`${name}: no metrics in the rendered page`);
  const metrics = JSON.parse(json[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  const viewPath = join(dir, `${name}.html`);
  writeFileSync(viewPath, page(markdown, false));
  const png = join(OUT, `${name}.png`);
  execFileSync(CHROMIUM, [...FLAGS, `--window-size=${COLUMN + 16},${Math.min(metrics.height + 16, 16000)}`, `--screenshot=${png}`, pathToFileURL(viewPath).href], { stdio: 'ignore' });
  return { name, png: png.slice(ROOT.length + 1), chars: markdown.length, ...metrics };
}

async function demoDocuments() {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run npm run build first');
  const demo = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'demo', '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, GITHUB_ACTOR: 'release-bot' } }));
  // The sources, through the repo's TypeScript hooks (bench/register.mjs): the exact renderers of the action.
  const { commentBody } = await import(pathToFileURL(join(ROOT, 'src', 'action', 'comment.ts')).href);
  const { summaryMarkdown } = await import(pathToFileURL(join(ROOT, 'src', 'action', 'publish.ts')).href);
  const runUrl = 'https://github.com/acme/models/actions/runs/4242';
  const pr = {
    headSha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432',
    baseSha: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
    runUrl,
    applyWorkflow: { name: 'mlops-gate / promote (release-promote.yml)', url: 'https://github.com/acme/models/actions/workflows/release-promote.yml' },
  };
  const release = { actor: 'release-bot', runUrl };
  return {
    'pr-comment': commentBody(demo.plan, { marker: '<!-- mlops-gate:plan:demo/mlops.yml -->', runUrl, context: pr }),
    'summary-plan': summaryMarkdown(demo.plan, pr, '/tmp/mlops-gate-result.json'),
    'summary-promote': summaryMarkdown(demo.promote, release, '/tmp/mlops-gate-result.json'),
    'summary-rollback': summaryMarkdown(demo.rollback, release, '/tmp/mlops-gate-result.json'),
  };
}

const args = process.argv.slice(2);
mkdirSync(OUT, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'mlops-gate-images-'));
const documents =
  args[0] === '--measure'
    ? Object.fromEntries(args.slice(1).map((f) => [basename(f).replace(/\.md$/, ''), readFileSync(f, 'utf8')]))
    : await demoDocuments();
const layout = Object.entries(documents).map(([name, markdown]) => render(name, markdown, dir));
if (args[0] !== '--measure') writeFileSync(join(OUT, 'layout.json'), JSON.stringify(layout, null, 2) + '\n');
for (const doc of layout) {
  console.log(`${doc.png}  ${doc.chars} chars, ${doc.height} px high${doc.bodyScrolls ? ', THE PAGE SCROLLS SIDEWAYS' : ''}`);
  for (const t of doc.tables) {
    console.log(`  table ${t.columns} col × ${t.rows} rows: ${t.width}/${t.available} px${t.scrolls ? '  SCROLLS' : ''}  [${t.header.map((h, i) => `${h || '·'} ${t.columnWidths[i]}px`).join(' | ')}]`);
  }
  for (const c of doc.code.filter((c) => c.scrolls)) console.log(`  code block ${c.width}/${c.available} px  SCROLLS`);
}
