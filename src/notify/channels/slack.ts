// Slack incoming webhook: `text` (the notification's fallback) and Block Kit sections. Slack's
// mrkdwn needs &, < and > escaped in text; links are <url|label>. Success is HTTP 200 `ok`.

import type { ChannelRenderer } from '../types.js';
import { clip, gateLines, headline, ICONS, linksOf, versionLine } from '../wording.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const link = (url: string, label: string): string => `<${url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${esc(label)}>`;

export const slack: ChannelRenderer = {
  label: 'Slack',
  signed: false,
  render(d) {
    const title = `${ICONS[d.event]} ${headline(d)}`;
    const version = versionLine(d);
    const gates = d.event === 'blocked' ? gateLines(d) : [];
    const links = linksOf(d);
    const blocks: unknown[] = [
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*${esc(title)}*\n${esc(d.summary)}${version ? `\n${esc(version)}` : ''}`, 3_000) } },
    ];
    if (gates.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(gates.map((g) => `• ${esc(g)}`).join('\n'), 3_000) } });
    if (links.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.map((l) => link(l.url, l.label)).join(' · ') }] });
    return {
      body: JSON.stringify({ text: clip(esc(`${title}: ${d.summary}`), 3_000), blocks }),
      headers: { 'content-type': 'application/json' },
    };
  },
};
