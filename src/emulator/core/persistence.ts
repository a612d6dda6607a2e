// Optional persistence of emulator state to one JSON file. Writes are debounced and atomic
// (write a temp file beside the target, then rename), so a crash never leaves a torn file.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const STATE_FORMAT = 'mlops-gate-emulator-state/v1';

export interface PersistedState {
  readonly format: typeof STATE_FORMAT;
  readonly savedAt: string;
  readonly workspaces: Record<string, { readonly orgId: string; readonly state: Record<string, unknown> }>;
}

export const loadState = async (path: string): Promise<PersistedState | undefined> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as PersistedState;
  if (parsed.format !== STATE_FORMAT) {
    throw new Error(`Emulator state file ${path} has format '${String(parsed.format)}', expected '${STATE_FORMAT}'. Delete it to start fresh.`);
  }
  return parsed;
};

export class StateWriter {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private writes = 0;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => PersistedState,
    private readonly debounceMs = 50,
  ) {}

  get writeCount(): number {
    return this.writes;
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.debounceMs);
  }

  /** Write now (after any write in flight); resolves when the file is on disk. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const text = JSON.stringify(this.snapshot());
    this.chain = this.chain.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.path);
      this.writes++;
    });
    return this.chain;
  }
}
