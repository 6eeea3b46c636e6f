/**
 * Python's cache layout (huggingface_hub, also what @huggingface/hub writes):
 *   <cache>/models--org--name/blobs/<etag>             file contents, named by git sha1 or LFS sha256
 *   <cache>/models--org--name/snapshots/<commit>/<f>   relative symlink to ../../blobs/<etag>
 *   <cache>/models--org--name/refs/<revision>          the commit a branch or tag pointed to
 * A blob being written is `<etag>.incomplete`; it becomes the blob only once verified.
 */
import fs from 'node:fs';
import path from 'node:path';
import { getRepoFolderName } from '@huggingface/hub';

export const COMMIT_RE = /^[0-9a-f]{40}$/;

export function repoFolder(cacheDir: string, repo: string): string {
  return path.join(cacheDir, getRepoFolderName({ type: 'model', name: repo }));
}

/** The commit a revision names in the cache: itself when it is a commit hash, else refs/<revision>. */
export function cachedCommit(storage: string, revision: string): string | undefined {
  if (COMMIT_RE.test(revision)) return revision;
  try {
    const sha = fs.readFileSync(path.join(storage, 'refs', revision), 'utf8').trim();
    return COMMIT_RE.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

export function writeRef(storage: string, revision: string, commit: string): void {
  if (revision === commit) return;
  const ref = path.join(storage, 'refs', revision);
  fs.mkdirSync(path.dirname(ref), { recursive: true });
  fs.writeFileSync(ref, commit);
}

/** A file of the snapshot that resolves (a dangling symlink does not count). */
export function snapshotHas(snapshot: string, file: string): boolean {
  try {
    return fs.statSync(path.join(snapshot, file)).isFile();
  } catch {
    return false;
  }
}

/** Points snapshots/<commit>/<file> at the blob, relative as Python does; a copy where symlinks fail. */
export function linkIntoSnapshot(blob: string, pointer: string): void {
  fs.mkdirSync(path.dirname(pointer), { recursive: true });
  fs.rmSync(pointer, { force: true });
  try {
    fs.symlinkSync(path.relative(path.dirname(pointer), blob), pointer);
  } catch {
    fs.copyFileSync(blob, pointer);
  }
}
