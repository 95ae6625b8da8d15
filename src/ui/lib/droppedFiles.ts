// The files a drop, a paste or the folder dialog brings: plain files as they are; a study's folder (exported from a
// PACS or a CD: DICOMDIR, nested folders, extensionless DICOM files, a viewer's own files), dropped or chosen, searched
// for the files that are images, by their first bytes, never by name; a pasted image (a viewer's "Copy image", a
// screenshot). The page then reads them as if they had been dropped one by one.
import { dicomHasImage, SUPPORTED_FORMATS, sniffFormat } from '../../image';
import { MAX_FILES } from './inputImage';

/** The parts of the File and Directory Entries API a walk needs (FileSystemEntry in the DOM typings). */
export interface EntryLike {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  file?(ok: (file: File) => void, fail: (err: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: EntryLike[]) => void, fail: (err: unknown) => void): void };
}

/** How far a folder walk goes: a CD of one study holds tens of files; a whole archive is not a study. */
export const WALK_LIMITS = { files: 2000, depth: 8 };

/** A folder that holds no image, or too many files to be one study. */
export class FolderError extends Error {
  override name = 'FolderError';
}

/** The DICOMDIR index of a CD has "DICM" too but no image. */
const isIndexFile = (name: string): boolean => name.toUpperCase() === 'DICOMDIR' || name.startsWith('.');

function entryFile(entry: EntryLike): Promise<File> {
  return new Promise((ok, fail) => entry.file!(ok, fail));
}

/** All of a folder's entries: readEntries gives them in batches until an empty one. */
async function folderEntries(entry: EntryLike): Promise<EntryLike[]> {
  const reader = entry.createReader!();
  const all: EntryLike[] = [];
  for (;;) {
    const batch = await new Promise<EntryLike[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: EntryLike, depth: number, out: File[]): Promise<void> {
  if (out.length > WALK_LIMITS.files)
    throw new FolderError(`The folder holds more than ${WALK_LIMITS.files} files; drop the folder of one study, or its images.`);
  if (entry.isFile) {
    if (!isIndexFile(entry.name)) out.push(await entryFile(entry));
    return;
  }
  if (!entry.isDirectory || depth > WALK_LIMITS.depth) return;
  const children = await folderEntries(entry);
  children.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  for (const child of children) await walk(child, depth + 1, out);
}

/** The bytes of a file read to tell whether it is an image: a DICOM header fits (an image is read whole only later). */
const HEAD_BYTES = 256 * 1024;

/** Whether a file is an image Serpent reads (SUPPORTED_FORMATS) by its first bytes, and, for DICOM, holds pixel data (a CD's presentation
 *  states and structured reports do not). */
async function isImageFile(file: File): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  let format: string;
  try {
    format = sniffFormat(head);
  } catch {
    return false;
  }
  return format !== 'dicom' || dicomHasImage(head, file.size <= HEAD_BYTES);
}

/**
 * The files to read from a drop. `entries` must be taken from the DataTransfer's items during the drop event (they
 * are gone after it). Without a folder among them the dropped files are returned as they are, so an unreadable file
 * still gets its own message. With one, the folders are walked and only the files that are images are kept.
 */
export async function filesFromDrop(files: File[], entries: (EntryLike | null)[]): Promise<File[]> {
  const folders = entries.filter((e): e is EntryLike => !!e?.isDirectory);
  if (folders.length === 0) return files;
  const found: File[] = [];
  for (const entry of entries) if (entry) await walk(entry, 0, found);
  return imagesOfFolder(found, folders.map((f) => f.name).join(', '));
}

/**
 * The files of a folder chosen in the file dialog (an input with webkitdirectory: every file below it, each with its
 * webkitRelativePath), read as a dropped folder is: DICOMDIR and hidden files left out, the images kept, in path order.
 */
export async function filesFromPickedFolder(files: File[]): Promise<File[]> {
  if (files.length > WALK_LIMITS.files) throw new FolderError(`The folder holds more than ${WALK_LIMITS.files} files; choose the folder of one study.`);
  const path = (f: File): string => f.webkitRelativePath || f.name;
  const kept = files.filter((f) => !path(f).split('/').some(isIndexFile));
  kept.sort((a, b) => path(a).localeCompare(path(b), undefined, { numeric: true }));
  return imagesOfFolder(kept, path(files[0] ?? new File([], 'the folder')).split('/')[0]);
}

/** The images among a folder's files; it stops at the first image past one study's worth, so a CT series' folder is
 *  not read through. */
async function imagesOfFolder(found: File[], folderName: string): Promise<File[]> {
  const images: File[] = [];
  for (const file of found) {
    if (!(await isImageFile(file))) continue;
    images.push(file);
    if (images.length > MAX_FILES) {
      throw new FolderError(
        `The folder holds more than ${MAX_FILES} images; Serpent reads one study at a time: drop its frontal image, or the frontal and the lateral.`,
      );
    }
  }
  if (images.length === 0) {
    throw new FolderError(
      `The folder ${folderName} holds no ${SUPPORTED_FORMATS} image (${found.length} other file${found.length === 1 ? '' : 's'}); open the radiograph itself.`,
    );
  }
  return images;
}

/** The image files a paste carries (a viewer's "Copy image", a screenshot); none for pasted text. */
export function filesFromPaste(data: DataTransfer | null): File[] {
  return Array.from(data?.files ?? []).filter((f) => f.type.startsWith('image/') || f.type === 'application/dicom' || f.type === '');
}

/** Whether a paste lands in something the person types into (the report editor, a settings field), which keeps it. */
export function pasteIsForTyping(target: EventTarget | null): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!el && (el.isContentEditable === true || el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' || el.tagName === 'SELECT');
}
