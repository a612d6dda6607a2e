// The action reads only files of the repository it checks out. A path from an input or from the
// config is repository-relative; an absolute path inside the workspace is mapped to the repository;
// anything that resolves outside it (`..`, another absolute path, a symlink out) is refused, on
// every event, with exit 2.

import { realpathSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { fileAccess, type FileAccess } from '../wiring/io.js';

const outside = (path: string, why: string): UsageError =>
  new UsageError(`${path}: ${why}; mlops-gate reads only files of this repository (paths relative to its root)`);

/** The repository path of `path` (relative to the workspace root, `/`-separated, normalised). */
export function repoRelativePath(workspace: string, path: string): string {
  const root = resolve(workspace);
  const given = path.replace(/\\/g, '/');
  let rel: string;
  if (isAbsolute(given)) {
    const r = relative(root, resolve(given));
    if (r === '' || r.startsWith('..') || isAbsolute(r)) throw outside(path, 'this absolute path is outside the workspace');
    rel = r.split(sep).join('/');
  } else {
    rel = given;
  }
  const normal = posix.normalize(rel);
  if (normal === '..' || normal.startsWith('../') || normal.startsWith('/')) throw outside(path, 'this path leaves the repository');
  if (normal === '.' || normal === '') throw outside(path, 'this is the repository itself, not a file');
  return normal;
}

/** Refuses a file whose real location (after symlinks) is outside the workspace. */
function assertInside(workspace: string, repoPath: string): void {
  const root = realpathSync.native(resolve(workspace));
  let real: string;
  try {
    real = realpathSync.native(resolve(root, repoPath));
  } catch {
    return; // absent: the read answers null
  }
  const r = relative(root, real);
  if (r.startsWith('..') || isAbsolute(r)) throw outside(repoPath, 'it is a symlink to a file outside the repository');
}

/** Reads of repository files only (writes go anywhere the runner allows, e.g. RUNNER_TEMP). */
export function repositoryFiles(workspace: string): FileAccess {
  const files = fileAccess(workspace);
  return {
    readFile: (p) => {
      const repoPath = repoRelativePath(workspace, p);
      assertInside(workspace, repoPath);
      return files.readFile(repoPath);
    },
    listDir: (p) => {
      const repoPath = p === '.' || p === '' ? '.' : repoRelativePath(workspace, p);
      if (repoPath !== '.') assertInside(workspace, repoPath);
      return files.listDir?.(repoPath) ?? null;
    },
    writeFile: files.writeFile,
  };
}
