// Hands a Blob to the browser as a download (an <a download> click on an object URL).

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started reading the Blob by now; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The File System Access API's folder picker, where the browser has it (Chromium); null elsewhere. */
export function directoryPicker(): (() => Promise<FileSystemDirectoryHandle>) | null {
  const w = window as unknown as { showDirectoryPicker?: (o: { mode: 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle> };
  const pick = w.showDirectoryPicker;
  return pick ? () => pick.call(window, { mode: 'readwrite', id: 'prunelab-export' }) : null;
}
