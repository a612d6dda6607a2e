// Hostile inputs, written as a hostile user and as a new user would write them: each with the
// exit code, the first error's position and the message it must get. Shared by the suite
// (hostile.test.ts) and the benchmark (bench/hostile.ts).
//
// Configs point their registries at HOST, which the suite replaces with a local server that
// records every request: nothing may reach it.

export type HostileClass = 'syntax' | 'encoding' | 'bomb' | 'depth' | 'size' | 'flood' | 'pattern' | 'semantic' | 'path' | 'usage';

export interface HostileCase {
  readonly class: HostileClass;
  readonly name: string;
  /** mlops.yml (a string gets HOST replaced; a Buffer is written as is). Absent: no config file. */
  readonly config?: string | Buffer | (() => string | Buffer);
  /** More files, by path relative to the case directory; `null` makes a directory. */
  readonly files?: Readonly<Record<string, string | Buffer | null | (() => string | Buffer)>>;
  /** The command line (default: validate --config mlops.yml). */
  readonly argv?: readonly string[];
  readonly exit: number;
  /** file:line:column of the first error, or null when none is printed (or for exit 0). */
  readonly at: string | null;
  /** What the output must say. */
  readonly message: RegExp;
  /** The text at `at` must start like this (positions computed by the program, e.g. in bombs). */
  readonly pointsAt?: RegExp;
  /** For the worst cases: what bench:hostile measures. */
  readonly worst?: boolean;
}

/** A valid MLflow config: line numbers are referred to by the cases below. */
export const BASE_LINES: readonly string[] = [
  /*  1 */ 'version: 1',
  /*  2 */ 'environments:',
  /*  3 */ '  dev: { registry: mlflow, tracking_uri: "HOST" }',
  /*  4 */ '  prod: { registry: mlflow, promote_from: dev, tracking_uri: "HOST" }',
  /*  5 */ 'models:',
  /*  6 */ '  churn:',
  /*  7 */ '    name: churn-${env}',
  /*  8 */ '    candidate: { alias: challenger }',
  /*  9 */ '    policies: [checks]',
  /* 10 */ 'policies:',
  /* 11 */ '  checks:',
  /* 12 */ '    gates:',
  /* 13 */ '      - type: metric_threshold',
  /* 14 */ '        metric: auc',
  /* 15 */ '        threshold: 0.8',
  /* 16 */ '        greater_is_better: true',
];

const text = (rows: readonly string[]): string => `${rows.join('\n')}\n`;

/** BASE with lines replaced by number (1-based; a replacement may hold several lines) and more appended. */
export const baseWith = (replacements: Readonly<Record<number, string>> = {}, ...appended: string[]): string =>
  text([...BASE_LINES.map((row, i) => replacements[i + 1] ?? row), ...appended]);

/** A valid Unity Catalog config (dev → prod), for what only Databricks has. */
export const UC_LINES: readonly string[] = [
  /*  1 */ 'version: 1',
  /*  2 */ 'environments:',
  /*  3 */ '  dev: { registry: databricks-uc, catalog: ml_dev, schema: models, host: "HOST" }',
  /*  4 */ '  prod: { registry: databricks-uc, catalog: ml_prod, schema: models, promote_from: dev, host: "HOST" }',
  /*  5 */ 'models:',
  /*  6 */ '  churn:',
  /*  7 */ '    name: churn',
  /*  8 */ '    candidate: { alias: challenger }',
];
export const ucWith = (replacements: Readonly<Record<number, string>> = {}, ...appended: string[]): string =>
  text([...UC_LINES.map((row, i) => replacements[i + 1] ?? row), ...appended]);

const MONITOR = [
  '    monitor:',
  '      table: ml_${env}.logs.payload',
  '      output_schema: ml_${env}.monitoring',
  '      inference_log: { problem_type: classification, prediction_col: p, timestamp_col: ts, model_id_col: v }',
];

/** `levels` anchors, each a list of ten aliases to the one before: 10^levels nodes when expanded. */
export const aliasBomb = (levels: number, indent = ''): string[] => {
  const name = (i: number): string => String.fromCharCode(97 + i);
  const rows = [`${indent}a: &a [lol]`];
  for (let i = 1; i <= levels; i++) rows.push(`${indent}${name(i)}: &${name(i)} [${Array.from({ length: 10 }, () => `*${name(i - 1)}`).join(',')}]`);
  return rows;
};

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
/** The text saved as Latin-1, as an editor set to Windows-1252 would. */
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const MiB = 1024 * 1024;

export const HOSTILE_CASES: readonly HostileCase[] = [
  // --- syntax ------------------------------------------------------------------------------------
  { class: 'syntax', name: 'unclosed flow mapping', config: baseWith({ 8: '    candidate: { alias: challenger' }), exit: 2, at: 'mlops.yml:9:5', message: /invalid YAML/ },
  { class: 'syntax', name: 'tab indentation', config: baseWith({ 7: '\tname: churn-${env}' }), exit: 2, at: 'mlops.yml:7:1', message: /tabs are not allowed for indentation in YAML; indent with spaces/ },
  { class: 'syntax', name: 'a second YAML document', config: baseWith({}, '---', 'version: 1'), exit: 2, at: 'mlops.yml:17:1', message: /the file holds more than one YAML document; it must be a single document/ },
  { class: 'syntax', name: 'unknown alias', config: baseWith({ 8: '    candidate: *nothing' }), exit: 2, at: 'mlops.yml:8:16', message: /alias \*nothing names no anchor &nothing defined before it/ },
  { class: 'syntax', name: 'an alias inside its own anchor', config: baseWith({ 8: '    candidate: &c { alias: *c }' }), exit: 2, at: 'mlops.yml:8:28', message: /alias \*c is inside the node anchored &c, so it would contain itself/ },
  { class: 'syntax', name: 'a merge key (<<)', config: baseWith({ 9: '    <<: { policies: [checks] }' }), exit: 2, at: 'mlops.yml:9:5', message: /unknown key "<<".*YAML merge keys \(<<\) are not supported/ },
  { class: 'syntax', name: 'a list as a key', config: baseWith({ 3: '  [dev]: { registry: mlflow, tracking_uri: "HOST" }' }), exit: 2, at: 'mlops.yml:3:3', message: /mapping keys must be plain strings/ },
  { class: 'syntax', name: 'an unterminated quote', config: baseWith({ 7: '    name: "churn-${env}' }), exit: 2, at: 'mlops.yml:7:11', message: /invalid YAML: this quoted string is never closed/ },
  { class: 'syntax', name: 'a key indented one space too few', config: baseWith({ 8: '   candidate: { alias: challenger }' }), exit: 2, at: 'mlops.yml:8:1', message: /invalid YAML/ },
  { class: 'syntax', name: '.nan as a threshold', config: baseWith({ 15: '        threshold: .nan' }), exit: 2, at: 'mlops.yml:15:20', message: /expected a number, got \.nan \(not a number\)/ },
  { class: 'syntax', name: '1e400 as a threshold (too large for a double)', config: baseWith({ 15: '        threshold: 1e400' }), exit: 2, at: 'mlops.yml:15:20', message: /expected a number, got \.inf \(infinite, or too large for a number\)/ },
  { class: 'syntax', name: 'yes as a boolean (YAML 1.1)', config: baseWith({ 16: '        greater_is_better: yes' }), exit: 2, at: 'mlops.yml:16:28', message: /expected a boolean, got string "yes".*write true or false/ },
  { class: 'syntax', name: 'a key longer than 1024 characters', config: baseWith({}, `${'k'.repeat(1100)}: 1`), exit: 2, at: 'mlops.yml:17:1', message: /invalid YAML|unknown key "k{57}\.\.\."/ },
  { class: 'syntax', name: 'an empty file', config: '', exit: 2, at: 'mlops.yml:1:1', message: /expected a mapping, got nothing/ },
  { class: 'syntax', name: 'a file of comments only', config: '# nothing here\n# at all\n', exit: 2, at: 'mlops.yml:1:1', message: /expected a mapping, got nothing/ },

  // --- encodings ---------------------------------------------------------------------------------
  { class: 'encoding', name: 'a Latin-1 byte (not UTF-8) in a value', config: latin1(baseWith({ 7: '    name: café-${env}' })), exit: 2, at: 'mlops.yml:7:14', message: /bytes that are not valid UTF-8 \(read as U\+FFFD, the replacement character\)/ },
  { class: 'encoding', name: 'UTF-16 with a byte-order mark', config: Buffer.from(`\uFEFF${baseWith()}`, 'utf16le'), exit: 2, at: 'mlops.yml:1:1', message: /the file is not UTF-8 text: it looks like UTF-16/ },
  { class: 'encoding', name: 'a NUL byte', config: baseWith({ 7: '    name: churn\u0000-${env}' }), exit: 2, at: 'mlops.yml:7:16', message: /control character U\+0000 \(NUL\) is not allowed in a YAML file/ },
  { class: 'encoding', name: 'an escape character (terminal injection)', config: baseWith({ 7: '    name: "\u001b[31mchurn-${env}"' }), exit: 2, at: 'mlops.yml:7:12', message: /control character U\+001B \(ESC\)/ },
  { class: 'encoding', name: 'an overlong UTF-8 sequence', config: Buffer.concat([utf8('version: 1\nx: "'), Buffer.from([0xc0, 0xaf]), utf8('"\n')]), exit: 2, at: 'mlops.yml:2:5', message: /bytes that are not valid UTF-8/ },
  { class: 'encoding', name: 'a literal U+FFFD character', config: baseWith({ 7: '    name: churn-\uFFFD-${env}' }), exit: 2, at: 'mlops.yml:7:17', message: /read as U\+FFFD.*typed on purpose is not allowed either/ },
  { class: 'encoding', name: 'a UTF-8 byte-order mark is fine', config: `\uFEFF${baseWith()}`, exit: 0, at: null, message: /is valid/ },
  { class: 'encoding', name: 'CRLF line endings are fine', config: baseWith().replace(/\n/g, '\r\n'), exit: 0, at: null, message: /is valid/ },
  { class: 'encoding', name: 'emoji and accents in a description are fine', config: baseWith({ 11: '  checks:\n    description: "Qualité ✓ 🚀"' }), exit: 0, at: null, message: /is valid/ },
  {
    class: 'encoding',
    name: 'invalid UTF-8 in a policy file',
    config: baseWith({ 9: '    policies: [policies/p.yml]', 10: '', 11: '', 12: '', 13: '', 14: '', 15: '', 16: '' }),
    files: { 'policies/p.yml': Buffer.concat([utf8('description: "na'), Buffer.from([0xef, 0xbf]), utf8('ve"\ngates: []\n')]) },
    exit: 2,
    at: 'policies/p.yml:1:17',
    message: /bytes that are not valid UTF-8/,
  },

  // --- alias bombs -------------------------------------------------------------------------------
  { class: 'bomb', name: 'a 300-byte alias bomb (8 levels, 10^8 nodes)', config: text(aliasBomb(8)), exit: 2, at: 'mlops.yml:', pointsAt: /^\*[a-z]/, message: /alias \*[a-z] expands past 50,000 nodes; aliases may add at most 50,000 nodes to a file/, worst: true },
  { class: 'bomb', name: 'a 10-level alias bomb (10^10 nodes)', config: text(aliasBomb(10)), exit: 2, at: 'mlops.yml:', pointsAt: /^\*[a-z]/, message: /expands past 50,000 nodes/, worst: true },
  { class: 'bomb', name: 'an alias bomb inside a real config', config: baseWith({}, 'x-anchors:', ...aliasBomb(9, '  ')), exit: 2, at: 'mlops.yml:', pointsAt: /^\*[a-z]/, message: /expands past 50,000 nodes/ },
  { class: 'bomb', name: '60,000 aliases to one scalar', config: () => baseWith({}, 'x: &s 1', `y: [${Array.from({ length: 60_000 }, () => '*s').join(',')}]`), exit: 2, at: 'mlops.yml:18:', pointsAt: /^\*s/, message: /alias \*s expands past 50,000 nodes/ , worst: true },
  { class: 'bomb', name: 'a 1,000-item list aliased 100 times', config: baseWith({}, `x: &big [${Array.from({ length: 1000 }, (_, i) => i).join(',')}]`, `y: [${Array.from({ length: 100 }, () => '*big').join(', ')}]`), exit: 2, at: 'mlops.yml:18:', pointsAt: /^\*big/, message: /alias \*big expands past 50,000 nodes/ },
  { class: 'bomb', name: 'aliases used as intended are fine', config: baseWith({ 9: '    policies: [checks, again]', 12: '    gates: &gates' }, '  again:', '    gates: *gates'), exit: 0, at: null, message: /is valid: 2 environment\(s\), 1 model\(s\), 2 policies \(2 gates\)/ },

  // --- depth ---------------------------------------------------------------------------------------
  { class: 'depth', name: '65 nested lists', config: baseWith({}, `x: ${'['.repeat(65)}${']'.repeat(65)}`), exit: 2, at: 'mlops.yml:17:', pointsAt: /^\[/, message: /nesting is deeper than 64 levels \(a config nests about 8 deep\)/ },
  { class: 'depth', name: '100,000 nested lists (200 KB)', config: baseWith({}, `x: ${'['.repeat(100_000)}${']'.repeat(100_000)}`), exit: 2, at: 'mlops.yml:17:', message: /nesting is deeper than 64 levels/, worst: true },
  { class: 'depth', name: '1,400 nested block mappings', config: baseWith({}, ...Array.from({ length: 1_400 }, (_, i) => `${' '.repeat(i)}k:`), `${' '.repeat(1_400)}v`), exit: 2, at: 'mlops.yml:', message: /nesting is deeper than 64 levels/, worst: true },
  { class: 'depth', name: 'nesting built from aliases', config: baseWith({}, 'x0: &x0 [1]', ...Array.from({ length: 70 }, (_, i) => `x${i + 1}: &x${i + 1} [*x${i}]`)), exit: 2, at: 'mlops.yml:', message: /nesting is deeper than 64 levels/ },
  { class: 'depth', name: '60 levels (under the limit) are only an unknown key', config: baseWith({}, `x: ${'['.repeat(60)}${']'.repeat(60)}`), exit: 2, at: 'mlops.yml:17:1', message: /unknown key "x"/ },

  // --- size ----------------------------------------------------------------------------------------
  { class: 'size', name: 'a config 1 byte over 1 MiB', config: () => baseWith() + '#'.repeat(MiB - baseWith().length) + '\n', exit: 2, at: 'mlops.yml:1:1', message: /the file is 1 MiB; a config or policy file may be at most 1 MiB|more than 1 MiB/ },
  { class: 'size', name: 'a 50 MB config', config: () => baseWith() + `# ${'x'.repeat(1000)}\n`.repeat(50_000), exit: 2, at: 'mlops.yml:1:1', message: /the file is more than 4[78]\.\d MiB; a config or policy file may be at most 1 MiB/, worst: true },
  { class: 'size', name: 'a policy file over 1 MiB', config: baseWith({ 9: '    policies: [big.yml]', 10: '', 11: '', 12: '', 13: '', 14: '', 15: '', 16: '' }), files: { 'big.yml': () => `gates: []\n${'#'.repeat(MiB)}\n` }, exit: 2, at: 'big.yml:1:1', message: /may be at most 1 MiB/ },
  {
    class: 'size',
    name: 'policy files over 4 MiB together',
    config: baseWith({ 9: '    policies: [p1.yml, p2.yml, p3.yml, p4.yml, p5.yml]', 10: '', 11: '', 12: '', 13: '', 14: '', 15: '', 16: '' }),
    files: Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`p${i}.yml`, () => `gates: []\n# ${'x'.repeat(MiB - 100)}\n`])),
    exit: 2,
    at: 'mlops.yml:9:48',
    message: /the policy files reached so far hold more than 4 MiB/,
  },
  { class: 'size', name: 'a 900 KB value is not echoed back', config: baseWith({ 3: `  dev: { registry: mlflow, tracking_uri: "${'x'.repeat(900_000)}" }` }), exit: 2, at: 'mlops.yml:3:42', message: /string "x{50,}\.\.\. does not match the expected form/ },

  { class: 'size', name: '1 MiB of numbers in one list (520,000 values)', config: () => baseWith({}, `x: [${Array.from({ length: 520_000 }, () => '1').join(',')}]`), exit: 2, at: 'mlops.yml:17:', message: /the file holds more than 100,000 keys and values; a config or policy file may hold at most 100,000/, worst: true },
  { class: 'size', name: '100,000 list items in block style', config: () => baseWith({}, 'x:', ...Array.from({ length: 100_000 }, () => '  - a')), exit: 2, at: 'mlops.yml:', message: /the file holds more than 100,000 keys and values/, worst: true },
  { class: 'size', name: 'a 500 KB environment name is not echoed back', config: () => baseWith({ 4: `  prod: { registry: mlflow, promote_from: ${'e'.repeat(500_000)}, tracking_uri: "HOST" }` }), exit: 2, at: 'mlops.yml:4:43', message: /promotes from unknown environment "e{900,}… \(\d{3},\d{3} more characters\)/ },

  // --- floods --------------------------------------------------------------------------------------
  { class: 'flood', name: '40,000 errors: the first 50, then how many more', config: () => baseWith({}, ...Array.from({ length: 4_000 }, (_, i) => `      - {type: signature, id: s${i}, ${Array.from({ length: 10 }, (_, k) => `k${k}: 1`).join(', ')}}`)), exit: 2, at: 'mlops.yml:17:35', message: /39,950 more errors not shown \(the first 50 are listed above\), starting here[\s\S]*✗ 40,000 error\(s\) in the configuration/, worst: true },
  { class: 'flood', name: '20,000 duplicate keys', config: () => baseWith({}, 'x:', ...Array.from({ length: 20_000 }, () => '  k: 1')), exit: 2, at: 'mlops.yml:19:3', message: /duplicate key "k"[\s\S]*19,949 more errors not shown[\s\S]*✗ 19,999 error\(s\)/, worst: true },
  { class: 'flood', name: '101 environments', config: () => text(['version: 1', 'environments:', ...Array.from({ length: 101 }, (_, i) => `  e${i}: { registry: mlflow, tracking_uri: "HOST" }`), 'models:', '  m: { name: "m-${env}", candidate: { latest: true } }']), exit: 2, at: 'mlops.yml:103:3', message: /101 environments; a config may have at most 100/ },
  { class: 'flood', name: '5,001 models', config: () => text(['version: 1', 'environments:', '  dev: { registry: mlflow, tracking_uri: "HOST" }', 'models:', ...Array.from({ length: 5_001 }, (_, i) => `  m${i}: { name: m${i}, candidate: { latest: true } }`)]), exit: 2, at: 'mlops.yml:5005:3', message: /5,001 models; a config may have at most 5,000/ },
  { class: 'flood', name: '1,001 waivers', config: () => baseWith({}, 'waivers:', ...Array.from({ length: 1_001 }, () => '  - { gate: checks/*, owner: a, reason: r, expires: 2099-01-01 }')), exit: 2, at: 'mlops.yml:1018:5', message: /1,001 waivers; a config may have at most 1,000/ },
  { class: 'flood', name: 'a promotion cycle through 100 environments', config: () => text(['version: 1', 'environments:', ...Array.from({ length: 100 }, (_, i) => `  e${i}: { registry: mlflow, promote_from: e${(i + 1) % 100}, tracking_uri: "HOST" }`), 'models:', '  m: { name: "m-${env}", candidate: { latest: true } }']), exit: 2, at: 'mlops.yml:3:', message: /environments form a promotion cycle: e0 → e99 → e98/ },
  { class: 'flood', name: 'an extends chain of 500 policies', config: () => baseWith({ 9: '    policies: [p0]', 10: 'policies:', 11: '  checks: { gates: [] }', 12: '', 13: '', 14: '', 15: '', 16: '' }, ...Array.from({ length: 500 }, (_, i) => `  p${i}: { ${i < 499 ? `extends: [p${i + 1}], ` : ''}gates: [] }`)), exit: 2, at: 'mlops.yml:', message: /extends a chain more than 32 policies deep/ },
  { class: 'flood', name: '3,000 unknown policy references', config: () => baseWith({ 9: `    policies: [${Array.from({ length: 3_000 }, (_, i) => `nope${i}`).join(', ')}]` }), exit: 2, at: 'mlops.yml:9:16', message: /unknown policy "nope0"[\s\S]*2,950 more errors not shown/, worst: true },
  { class: 'flood', name: '5,000 unknown environments in applies_to', config: () => baseWith({ 11: `  checks:\n    applies_to: { environments: [${Array.from({ length: 5_000 }, (_, i) => `env${i}`).join(', ')}] }` }), exit: 2, at: 'mlops.yml:12:34', message: /unknown environment "env0"; defined: dev, prod[\s\S]*4,950 more errors not shown/ },

  // --- patterns ------------------------------------------------------------------------------------
  { class: 'pattern', name: 'a lookahead', config: baseWith({ 13: '      - type: required_tags', 14: '        tags: { owner: "team-(?=x)" }', 15: '', 16: '' }), exit: 2, at: 'mlops.yml:14:30', message: /invalid regular expression for tag "owner": lookahead \(\?=\.\.\.\) is not supported.*linear time/ },
  { class: 'pattern', name: 'a backreference', config: baseWith({ 13: '      - type: required_tags', 14: "        tags: { owner: '(a)\\1' }", 15: '', 16: '' }), exit: 2, at: 'mlops.yml:14:28', message: /backreferences such as \\1 are not supported/ },
  { class: 'pattern', name: 'a lookbehind', config: baseWith({ 13: '      - type: required_tags', 14: '        tags: { owner: "(?<=x)y" }', 15: '', 16: '' }), exit: 2, at: 'mlops.yml:14:25', message: /lookbehind \(\?<=\.\.\.\) is not supported/ },
  { class: 'pattern', name: 'an unclosed group', config: baseWith({ 13: '      - type: required_tags', 14: '        tags:', 15: '          ticket: JIRA-(\\d+', 16: '' }), exit: 2, at: 'mlops.yml:15:24', message: /a "\(" is never closed/ },
  { class: 'pattern', name: 'a repeat count over 1000', config: baseWith({ 13: '      - type: required_tags', 14: '        tags: { owner: "a{1001}" }', 15: '', 16: '' }), exit: 2, at: 'mlops.yml:14:26', message: /repeat count \{1001\} is not allowed/ },
  { class: 'pattern', name: 'a pattern of 1,001 characters', config: baseWith({ 13: '      - type: required_tags', 14: `        tags: { owner: "${'a'.repeat(1001)}" }`, 15: '', 16: '' }), exit: 2, at: 'mlops.yml:14:1025', message: /the pattern is 1,001 characters long; at most 1,000 are allowed/ },
  { class: 'pattern', name: '(a+)+$ is accepted (linear time)', config: baseWith({ 13: '      - type: required_tags', 14: '        tags: { owner: "(a+)+$" }', 15: '', 16: '' }), exit: 0, at: null, message: /is valid/ },
  { class: 'pattern', name: 'a 31-star waiver glob against a 5,000-character gate id', config: () => baseWith({ 16: `        greater_is_better: true\n        id: ${'a'.repeat(5_000)}` }, 'waivers:', `  - { gate: "${'*a'.repeat(30)}*b", owner: a, reason: r, expires: 2099-01-01 }`), exit: 2, at: 'mlops.yml:19:13', message: /waiver names gate "\*a\*a.*", which matches no gate id/, worst: true },

  // --- semantic refusals (promote/rollback would refuse them) -----------------------------------
  { class: 'semantic', name: 'promotion: stage on Unity Catalog', config: ucWith({}, '    promotion: stage'), exit: 2, at: 'mlops.yml:9:16', message: /promotion: stage needs legacy registry stages, which Unity Catalog \("dev", databricks-uc\) does not have/ },
  { class: 'semantic', name: 'promote_from across MLflow and Unity Catalog', config: ucWith({ 4: '  prod: { registry: mlflow, promote_from: dev, tracking_uri: "HOST" }' }), exit: 2, at: 'mlops.yml:4:43', message: /promotion between an MLflow server and Unity Catalog is not supported/ },
  { class: 'semantic', name: 'copy into the same model', config: baseWith({ 7: '    name: churn' }), exit: 2, at: 'mlops.yml:7:11', message: /promotion: copy needs a different model for "prod"/ },
  { class: 'semantic', name: 'alias across two models', config: baseWith({ 9: '    policies: [checks]\n    promotion: alias' }), exit: 2, at: 'mlops.yml:10:16', message: /promotion: alias moves aliases within one model/ },
  { class: 'semantic', name: 'a four-part Unity Catalog name', config: ucWith({ 7: '    name: team.churn' }), exit: 2, at: 'mlops.yml:7:11', message: /not a three-level Unity Catalog name.*4 dot-separated parts/ },
  { class: 'semantic', name: 'two models on one registered model', config: ucWith({}, '  twin: { name: churn, candidate: { latest: true } }'), exit: 2, at: 'mlops.yml:9:17', message: /models "churn" \(in "dev"\) and "twin" \(in "dev"\) both resolve to the registered model "ml_dev\.models\.churn"/ },
  { class: 'semantic', name: 'serving on MLflow only', config: baseWith({ 9: '    policies: [checks]\n    serving: { endpoint: churn }' }), exit: 2, at: 'mlops.yml:10:5', message: /serving: every environment is an MLflow server/ },
  { class: 'semantic', name: 'monitor on MLflow only', config: baseWith({ 9: ['    policies: [checks]', ...MONITOR].join('\n') }), exit: 2, at: 'mlops.yml:10:5', message: /monitor: every environment is an MLflow server/ },
  { class: 'semantic', name: 'an invalid Quartz cron', config: ucWith({}, ...MONITOR, '      schedule: { cron: "0 0 2 * * MON" }'), exit: 2, at: 'mlops.yml:13:36', message: /one of day-of-month and day-of-week must be "\?"/ },
  { class: 'semantic', name: 'a monitor granularity the API refuses', config: ucWith({}, ...MONITOR.slice(0, 3), '      inference_log: { problem_type: classification, prediction_col: p, timestamp_col: ts, model_id_col: v, granularities: ["1 fortnight"] }'), exit: 2, at: 'mlops.yml:12:125', message: /monitor granularity "1 fortnight" is not supported/ },
  { class: 'semantic', name: 'a reserved champion alias', config: ucWith({}, '    champion_alias: v1'), exit: 2, at: 'mlops.yml:9:21', message: /names like v1, v2 are reserved for versions/ },

  // --- paths ---------------------------------------------------------------------------------------
  { class: 'path', name: 'the config does not exist', argv: ['validate', '--config', 'nope.yml'], exit: 2, at: null, message: /nope\.yml/ },
  { class: 'path', name: 'the config is a directory', files: { 'conf.yml': null }, argv: ['validate', '--config', 'conf.yml'], exit: 2, at: null, message: /conf\.yml/ },
  { class: 'path', name: '/dev/null as the config', argv: ['validate', '--config', '/dev/null'], exit: 2, at: '/dev/null:1:1', message: /expected a mapping, got nothing/ },
  { class: 'path', name: '/dev/zero as the config (endless)', argv: ['validate', '--config', '/dev/zero'], exit: 2, at: '/dev/zero:1:1', message: /the file is more than 64 MiB; mlops-gate reads at most 64 MiB from one file/, worst: true },
  { class: 'path', name: 'an absolute policy path', config: baseWith({ 9: '    policies: [/etc/passwd.yml]' }), exit: 2, at: 'mlops.yml:9:16', message: /policy file "\/etc\/passwd\.yml" must be a relative path/ },
  { class: 'path', name: 'a missing policy file', config: baseWith({ 9: '    policies: [../shared/nope.yml]' }), exit: 2, at: 'mlops.yml:9:16', message: /policy file "\.\.\/shared\/nope\.yml" not found \(looked for \.\.\/shared\/nope\.yml\)/ },
  { class: 'path', name: 'a policy path that is a directory', config: baseWith({ 9: '    policies: [dir.yml]' }), files: { 'dir.yml': null }, exit: 2, at: 'mlops.yml:9:16', message: /policy file "dir\.yml" not found/ },
  { class: 'path', name: 'an alias bomb in a policy file', config: baseWith({ 9: '    policies: [bomb.yml]' }), files: { 'bomb.yml': text(['gates: []', 'x-bomb:', ...aliasBomb(9, '  ')]) }, exit: 2, at: 'bomb.yml:', pointsAt: /^\*[a-z]/, message: /expands past 50,000 nodes/ },

  // --- usage of validate ---------------------------------------------------------------------------
  { class: 'usage', name: 'an unknown flag', config: baseWith(), argv: ['validate', '--config', 'mlops.yml', '--frobnicate'], exit: 2, at: null, message: /--frobnicate/ },
  { class: 'usage', name: '--format xml', config: baseWith(), argv: ['validate', '--config', 'mlops.yml', '--format', 'xml'], exit: 2, at: null, message: /--format must be one of text, json \(got "xml"\)/ },
  { class: 'usage', name: '--config without a value', argv: ['validate', '--config'], exit: 2, at: null, message: /--config/ },
  { class: 'usage', name: '--strict with a warning', config: baseWith({}, '  unused: { gates: [] }'), argv: ['validate', '--config', 'mlops.yml', '--strict'], exit: 2, at: null, message: /policy "unused" is not used by any model[\s\S]*has warnings \(--strict\)/ },
  { class: 'usage', name: '--format json on a valid config', config: baseWith(), argv: ['validate', '--config', 'mlops.yml', '--format', 'json'], exit: 0, at: null, message: /"valid": true/ },
  { class: 'usage', name: '--format json on an invalid config', config: baseWith({ 15: '        threshold: high' }), argv: ['validate', '--config', 'mlops.yml', '--format', 'json'], exit: 2, at: 'mlops.yml:15:20', message: /expected a number, got string "high"/ },
];
