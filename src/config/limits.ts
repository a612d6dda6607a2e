// Budgets on input. Every number here bounds the time or memory one config (or one registry
// value) can cost, so that any input gets an answer in seconds. Each limit is far above what a real
// mlops.yml needs; docs/config.md ("Limits") lists them for users.

export const LIMITS = {
  /** Bytes of one config or policy file (a 500-model config is about 60 KiB). */
  fileBytes: 1024 * 1024,
  /** Policy files one config may reach (through `policies:` and `extends`). */
  policyFiles: 100,
  /** Bytes of all policy files one config reaches, together. */
  policyBytes: 4 * 1024 * 1024,
  /**
   * Keys, values and aliases written in one file, counted while it is read: the YAML library
   * costs about 10 µs and 1 KB per node, so this bounds time and memory below the size limit
   * (a 1 MiB list of 500,000 numbers took 7 s and 660 MB). A 5,000-model config holds ~50,000.
   */
  nodes: 100_000,
  /** Nesting of mappings and lists (a real config nests about 8 deep). */
  depth: 64,
  /**
   * Nodes produced by expanding YAML aliases (`*name`), summed over the file: room for a shared
   * block aliased by every model of a large config, and a 300-byte "alias bomb" (10^8 nodes)
   * stops after a few milliseconds.
   */
  aliasNodes: 50_000,
  /** Errors printed; the rest are counted ("and N more"). */
  diagnostics: 50,
  /** Environments in one config. */
  environments: 100,
  /** Models in one config. */
  models: 5_000,
  /** Waivers in one config. */
  waivers: 1_000,
  /** Gates in the inline policies of one config. */
  gates: 5_000,
  /** Depth of an `extends` chain (policy → policy → ...). */
  extendsDepth: 32,
  /** Characters of one regular expression in a config or policy. */
  patternLength: 1_000,
  /**
   * Characters of a registry value matched against a pattern. MLflow allows run tag values of
   * 8,000 characters and model version tag values of 100,000; longer values are not matched.
   */
  matchedValueLength: 10_000,
} as const;

/** 1048576 → "1 MiB", 52428800 → "50 MiB", 1500 → "1,500 bytes". */
export const formatBytes = (bytes: number): string => {
  if (bytes >= 1024 * 1024) return `${trim(bytes / (1024 * 1024))} MiB`;
  if (bytes >= 1024) return `${trim(bytes / 1024)} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
};

const trim = (n: number): string => String(Number.parseFloat(n.toFixed(1)));

/** 40000 → "40,000". */
export const formatCount = (n: number): string => n.toLocaleString('en-US');
