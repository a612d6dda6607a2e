// Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received", the
// "post to a channel" template): an Adaptive Card inside a `message` envelope. Workflows accept
// Adaptive Cards only (not the retired connectors' MessageCard). Success is any 2xx (often 202).

import type { ChannelRenderer } from '../types.js';
import { clip, gateLines, headline, ICONS, linksOf, versionLine } from '../wording.js';

const COLOR = { blocked: 'Warning', applied: 'Good', aborted: 'Attention', rolled_back: 'Warning', reverted: 'Attention' } as const;

export const teams: ChannelRenderer = {
  label: 'Microsoft Teams',
  signed: false,
  render(d) {
    const version = versionLine(d);
    const facts = [
      { title: 'Model', value: d.model },
      { title: 'From → to', value: `${d.from} → ${d.to}` },
      ...(version ? [{ title: 'Version', value: version }] : []),
      { title: 'Verdict', value: d.status ? `${d.verdict} · ${d.status}` : d.verdict },
      ...(d.actor ? [{ title: 'By', value: d.actor }] : []),
    ];
    const gates = d.event === 'blocked' ? gateLines(d) : [];
    const card = {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.2',
      body: [
        { type: 'TextBlock', text: `${ICONS[d.event]} ${headline(d)}`, weight: 'Bolder', size: 'Medium', color: COLOR[d.event], wrap: true },
        { type: 'TextBlock', text: clip(d.summary, 1_000), wrap: true },
        { type: 'FactSet', facts },
        ...gates.map((g) => ({ type: 'TextBlock', text: clip(`- ${g}`, 600), wrap: true, spacing: 'None' })),
      ],
      actions: linksOf(d).map((l) => ({ type: 'Action.OpenUrl', title: l.label, url: l.url })),
    };
    return {
      body: JSON.stringify({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] }),
      headers: { 'content-type': 'application/json' },
    };
  },
};
