// Export straight into a folder the user picked through the File System Access API (showDirectoryPicker):
// each file is streamed with a FileSystemWritableFileStream, so a model larger than memory (or than a zip can
// hold) still exports. The handle types are the few members used here, so tests can pass a fake folder.
import { BadRequest } from '../errors.ts';
import type { ByteSink, ExportTarget } from './byte-sink.ts';

export interface WritableLike {
  write(data: Uint8Array<ArrayBuffer>): Promise<void>;
  close(): Promise<void>;
  abort?(reason?: unknown): Promise<void>;
}
export interface FileHandleLike { createWritable(): Promise<WritableLike> }
export interface DirectoryHandleLike {
  readonly name: string;
  getFileHandle(name: string, opts?: { create?: boolean }): Promise<FileHandleLike>;
  getDirectoryHandle(name: string, opts?: { create?: boolean }): Promise<DirectoryHandleLike>;
}

/** Whether `dir` already has an entry called `name` (getDirectoryHandle/getFileHandle without create throw when absent). */
async function exists(dir: DirectoryHandleLike, name: string): Promise<boolean> {
  for (const probe of [() => dir.getDirectoryHandle(name), () => dir.getFileHandle(name)]) {
    try { await probe(); return true; } catch { /* NotFoundError or TypeMismatchError: try the other kind */ }
  }
  return false;
}

/** Creates a new subfolder `base` (or `base-2`, `base-3`, ... when taken) so an export never overwrites files. */
export async function freshSubfolder(parent: DirectoryHandleLike, base: string): Promise<DirectoryHandleLike> {
  for (let i = 1; i <= 100; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!(await exists(parent, name))) return parent.getDirectoryHandle(name, { create: true });
  }
  throw new BadRequest(`the folder ${parent.name} already holds ${base} and 99 numbered copies; pick another folder`);
}

export interface DirectoryTarget extends ExportTarget {
  /** Discards the file being written (a cancelled or failed export leaves no half-written file behind). */
  abort(reason?: unknown): Promise<void>;
}

/** Every file goes through its own writable stream; the file appears complete only on close() (the API's swap file). */
export function directoryHandleTarget(dir: DirectoryHandleLike): DirectoryTarget {
  let open: WritableLike | null = null;
  return {
    async create(name: string): Promise<ByteSink> {
      const handle = await dir.getFileHandle(name, { create: true });
      const stream = await handle.createWritable();
      open = stream;
      return {
        // The stream may keep the buffer until it is flushed: hand it a copy the exporter cannot reuse.
        write: (chunk) => stream.write(chunk.slice()),
        async close() {
          if (open === stream) open = null;
          await stream.close();
        },
      };
    },
    async abort(reason) {
      const stream = open;
      open = null;
      await stream?.abort?.(reason);
    },
  };
}
