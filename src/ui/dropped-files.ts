// Turns a drop or a folder pick into a flat File list. A model folder's own files are what matter: when a
// folder also holds subfolders (e.g. `onnx/`, `original/`), only its shallowest files are kept, so two
// `config.json` files never compete.

/** Entries must be taken synchronously inside the drop handler: the DataTransfer is emptied afterwards. */
export function droppedEntries(dt: DataTransfer): FileSystemEntry[] {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  return entries;
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

const hidden = (name: string) => name.startsWith('.');

interface Found { file: File; depth: number }

async function walk(entry: FileSystemEntry, depth: number, out: Found[]): Promise<void> {
  if (hidden(entry.name)) return;
  if (entry.isFile) {
    out.push({ file: await entryFile(entry as FileSystemFileEntry), depth });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns at most ~100 entries per call: read until it returns none.
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
      for (const child of batch) await walk(child, depth + 1, out);
    }
  }
}

function shallowest(found: Found[]): File[] {
  if (found.length === 0) return [];
  const min = Math.min(...found.map((f) => f.depth));
  return found.filter((f) => f.depth === min).map((f) => f.file);
}

export async function filesFromEntries(entries: FileSystemEntry[]): Promise<{ files: File[]; label: string | undefined }> {
  const files: File[] = [];
  for (const e of entries) {
    const found: Found[] = [];
    await walk(e, 0, found);
    files.push(...shallowest(found));
  }
  const label = entries.length === 1 ? entries[0].name : undefined;
  return { files, label };
}

/** Files chosen with <input type=file> (with or without webkitdirectory); label = the folder or single file name. */
export function filesFromInput(list: FileList): { files: File[]; label: string | undefined } {
  const found = Array.from(list)
    .filter((f) => !(f.webkitRelativePath || f.name).split('/').some(hidden))
    .map((file) => ({ file, depth: file.webkitRelativePath ? file.webkitRelativePath.split('/').length : 0 }));
  const files = shallowest(found);
  const rel = files[0]?.webkitRelativePath;
  const label = rel && rel.includes('/') ? rel.split('/')[0] : files.length === 1 ? files[0].name : undefined;
  return { files, label };
}
