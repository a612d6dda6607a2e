// `--format junit`: JUnit XML for test-report UIs (dorny/test-reporter `java-junit`,
// mikepenz/action-junit-report, Jenkins, GitLab). One <testsuite> per target, one <testcase> per
// target × gate: fail → <failure>, could not be evaluated → <error>, skipped and waived → <skipped>.
// promote/rollback add one <testcase> per target for the promotion itself. Valid against the
// junit-10.xsd that Jenkins' xunit plugin uses (no file/line attributes on testcase).

import type { Outcome } from '../policy/types.js';
import type { GateEntry, ResultDocument, TargetReport } from '../result/types.js';
import { xml } from './escape.js';
import { gatePhrase, waiverPhrase } from './gates.js';
import { OUTCOME_WORDS, outcomeOf, targetTitle, trafficOf, versionChange } from './promotion.js';
import type { Renderer } from './renderer.js';

interface Case {
  readonly name: string;
  readonly classname: string;
  /** The child element (failure / error / skipped), or '' for a pass. */
  readonly body: string;
  readonly outcome: 'pass' | 'failure' | 'error' | 'skipped';
  readonly out?: string;
}

const where = (g: GateEntry): string => (g.position ? `${g.position.file}:${g.position.line}:${g.position.column}` : 'no position');

function gateCase(t: TargetReport, g: GateEntry, classname: string): Case {
  const phrase = gatePhrase(g);
  const detail = `${g.message}\ngate ${g.id} (${g.type}, policy ${g.policy}, severity ${g.severity}) at ${where(g)}`;
  const waiver = waiverPhrase(g);
  const by: Readonly<Record<Outcome, () => Case>> = {
    fail: () => ({ name: g.id, classname, outcome: 'failure', body: `<failure type="${xml(g.type)}" message="${xml(phrase, 500)}">${xml(detail)}</failure>` }),
    error: () => ({ name: g.id, classname, outcome: 'error', body: `<error type="${xml(g.type)}" message="${xml(phrase, 500)}">${xml(detail)}</error>` }),
    skipped: () => ({ name: g.id, classname, outcome: 'skipped', body: `<skipped message="${xml(phrase, 500)}"/>` }),
    waived: () => ({ name: g.id, classname, outcome: 'skipped', body: `<skipped message="${xml(waiver ?? phrase, 500)}"/>` }),
    warn: () => ({ name: g.id, classname, outcome: 'pass', body: '', out: `warning: ${phrase}` }),
    pass: () => ({ name: g.id, classname, outcome: 'pass', body: '' }),
  };
  return by[g.outcome]();
}

function promotionCase(r: ResultDocument, t: TargetReport, classname: string): Case | null {
  if (!t.plan || r.command === 'plan') return null;
  const o = outcomeOf(t);
  const traffic = trafficOf(t);
  const text = `${OUTCOME_WORDS[o].word}: ${versionChange(t)}${traffic ? `; ${traffic.endpoint} ${traffic.before} → ${traffic.after}` : ''}; ${t.plan.message}`;
  const name = r.command === 'rollback' ? 'rollback' : 'promotion';
  switch (o) {
    case 'applied':
    case 'rolled-back':
    case 'up-to-date':
    case 'will-apply':
      return { name, classname, outcome: 'pass', body: '', out: text };
    case 'blocked':
    case 'nothing-to-do':
    case 'not-planned':
      return { name, classname, outcome: 'skipped', body: `<skipped message="${xml(text, 500)}"/>` };
    default:
      return { name, classname, outcome: 'error', body: `<error type="${xml(o)}" message="${xml(text, 500)}">${xml(t.plan.message)}</error>` };
  }
}

const suiteName = (r: ResultDocument, t: TargetReport): string => `mlops-gate.${r.command}.${t.model}.${t.from}-${t.to}`;

function suite(r: ResultDocument, t: TargetReport): { readonly text: string; readonly tests: number; readonly failures: number; readonly errors: number } {
  const classname = `mlops-gate.${t.model}.${t.from}-${t.to}`;
  const cases = [...t.gates.map((g) => gateCase(t, g, classname)), ...[promotionCase(r, t, classname)].filter((c): c is Case => c !== null)];
  const count = (o: Case['outcome']) => cases.filter((c) => c.outcome === o).length;
  const props = [
    ['model', t.model],
    ['from', t.from],
    ['to', t.to],
    ['verdict', t.verdict],
    ['target', targetTitle(t)],
    ...(t.candidate ? [['candidate', `${t.candidate.name} v${t.candidate.version}`]] : []),
    ...(t.champion ? [['champion', `${t.champion.name} v${t.champion.version}`]] : []),
    ...(t.plan?.hash ? [['plan', t.plan.hash]] : []),
  ];
  const text = [
    `  <testsuite name="${xml(suiteName(r, t))}" tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="0.000" timestamp="${xml(r.generatedAt.replace(/\.\d+Z$/, '').replace(/Z$/, ''))}">`,
    '    <properties>',
    ...props.map(([k, v]) => `      <property name="${xml(k)}" value="${xml(v, 500)}"/>`),
    '    </properties>',
    ...cases.map((c) => {
      const out = c.out ? `<system-out>${xml(c.out)}</system-out>` : '';
      const inner = `${c.body}${out}`;
      return `    <testcase classname="${xml(c.classname)}" name="${xml(c.name)}" time="0.000"${inner ? `>${inner}</testcase>` : '/>'}`;
    }),
    `    <system-out>${xml(`${targetTitle(t)}: ${t.summary}`)}</system-out>`,
    '  </testsuite>',
  ].join('\n');
  return { text, tests: cases.length, failures: count('failure'), errors: count('error') };
}

/** The JUnit XML of a result. */
export function renderJunit(r: ResultDocument): string {
  const suites = r.targets.map((t) => suite(r, t));
  const totals = suites.reduce((acc, s) => ({ tests: acc.tests + s.tests, failures: acc.failures + s.failures, errors: acc.errors + s.errors }), { tests: 0, failures: 0, errors: 0 });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mlops-gate ${xml(r.command)} ${xml(r.config.file)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="0.000">`,
    ...suites.map((s) => s.text),
    '</testsuites>',
    '',
  ].join('\n');
}

export const junitRenderer: Renderer = { render: renderJunit };
