// filesFromDrop: a study's folder as a PACS CD holds it is walked for its images, by their bytes (extensionless DICOM
// kept; DICOMDIR, a viewer program and a text file left out), in name order, across readEntries' batches; a folder
// with no image or with more than one study's worth says so; plain files pass as they are. filesFromPaste and
// pasteIsForTyping: a pasted image is taken, pasted text and a paste into the editor are not.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pydicomTestFiles } from '../../engine/testing/sharedData';
import { FolderError, filesFromDrop, filesFromPaste, filesFromPickedFolder, pasteIsForTyping, type EntryLike } from './droppedFiles';

const DICOM = (() => {
  const b = new Uint8Array(300);
  b.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  return b;
})();
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const EXE = Uint8Array.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]);
const TEXT = new TextEncoder().encode('Burned by the PACS on 2026-11-30.\n');

function fileEntry(name: string, bytes: Uint8Array<ArrayBuffer>): EntryLike {
  return { name, isFile: true, isDirectory: false, file: (ok) => ok(new File([bytes], name)) };
}

/** A folder whose reader hands its entries out two at a time, then an empty batch, as browsers do in larger batches. */
function folderEntry(name: string, children: EntryLike[]): EntryLike {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok) => {
          ok(children.slice(at, at + 2));
          at += 2;
        },
      };
    },
  };
}

const names = (files: File[]): string[] => files.map((f) => f.name);

// Real DICOM objects from Debian's python3-pydicom: an image (CT_small) and one with no pixel data (an RT plan, standing
// in for the presentation states and structured reports a PACS CD carries beside its images).
const pydicomFile = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(path.join(pydicomTestFiles(), name)));

describe('filesFromDrop', () => {
  it('walks a PACS CD layout for its images, in name order, leaving out DICOMDIR and what is not an image', async () => {
    const cd = folderEntry('STUDY_2026', [
      fileEntry('DICOMDIR', DICOM),
      fileEntry('README.TXT', TEXT),
      folderEntry('VIEWER', [fileEntry('viewer.exe', EXE), fileEntry('.DS_Store', PNG)]),
      folderEntry('IMAGES', [folderEntry('SE000001', [fileEntry('IM000010', DICOM), fileEntry('IM000002', DICOM)])]),
    ]);
    const files = await filesFromDrop([new File([], 'STUDY_2026')], [cd]);
    expect(names(files)).toEqual(['IM000002', 'IM000010']);
  });

  it('leaves out DICOM objects that hold no image, and keeps those that do', async () => {
    const cd = folderEntry('CD', [fileEntry('IM000001', pydicomFile('CT_small.dcm')), fileEntry('PS000001', pydicomFile('rtplan.dcm'))]);
    expect(names(await filesFromDrop([], [cd]))).toEqual(['IM000001']);
  });

  it('a folder with no image, or with more images than one study, is a FolderError that says what to drop', async () => {
    const empty = folderEntry('Downloads', [fileEntry('notes.txt', TEXT), fileEntry('setup.exe', EXE)]);
    await expect(filesFromDrop([], [empty])).rejects.toThrow(FolderError);
    await expect(filesFromDrop([], [empty])).rejects.toThrow(/The folder Downloads holds no PNG, JPEG, JPEG 2000, TIFF or DICOM image \(2 other files\)/);
    // A series: the search stops at its third image, and the files after it are never read.
    let fourthRead = false;
    const fourth = Object.assign(new File([DICOM], 'd.dcm'), {
      slice: () => {
        fourthRead = true;
        return new Blob([DICOM]);
      },
    });
    const later: EntryLike = { name: 'd.dcm', isFile: true, isDirectory: false, file: (ok) => ok(fourth) };
    const series = folderEntry('CT', [fileEntry('a.dcm', DICOM), fileEntry('b.dcm', DICOM), fileEntry('c.png', PNG), later]);
    await expect(filesFromDrop([], [series])).rejects.toThrow(/The folder holds more than 2 images; .*frontal image, or the frontal and the lateral/);
    expect(fourthRead).toBe(false);
  });

  it('files dropped without a folder pass as they are, so that one that is not an image gets its own message', async () => {
    const dropped = [new File([PNG], 'frontal.png'), new File([TEXT], 'lateral.txt')];
    const entries = dropped.map((f) => fileEntry(f.name, new Uint8Array()));
    expect(await filesFromDrop(dropped, entries)).toBe(dropped);
    expect(await filesFromDrop(dropped, [null, null])).toBe(dropped);
  });
});

describe('filesFromPickedFolder', () => {
  /** A file as the folder dialog gives it: its path below the chosen folder in webkitRelativePath. */
  const picked = (relative: string, bytes: Uint8Array<ArrayBuffer>): File =>
    Object.defineProperty(new File([bytes], relative.split('/').pop()!), 'webkitRelativePath', { value: relative });

  it('keeps the images of a chosen CD folder in path order, leaving out DICOMDIR, hidden files and the rest', async () => {
    const files = await filesFromPickedFolder([
      picked('STUDY_2026/DICOMDIR', DICOM),
      picked('STUDY_2026/IMAGES/SE000001/IM000010', DICOM),
      picked('STUDY_2026/.hidden/IM000001', DICOM),
      picked('STUDY_2026/VIEWER/viewer.exe', EXE),
      picked('STUDY_2026/IMAGES/SE000001/IM000002', DICOM),
    ]);
    expect(files.map((f) => f.webkitRelativePath)).toEqual(['STUDY_2026/IMAGES/SE000001/IM000002', 'STUDY_2026/IMAGES/SE000001/IM000010']);
    await expect(filesFromPickedFolder([picked('Downloads/notes.txt', TEXT)])).rejects.toThrow(
      /The folder Downloads holds no PNG, JPEG, JPEG 2000, TIFF or DICOM image/,
    );
  });
});

describe('paste', () => {
  it('takes the pasted image files and not pasted text', () => {
    const image = new File([PNG], 'image.png', { type: 'image/png' });
    const text = new File([TEXT], 'note.txt', { type: 'text/plain' });
    expect(filesFromPaste({ files: [image, text] } as unknown as DataTransfer)).toEqual([image]);
    expect(filesFromPaste(null)).toEqual([]);
  });

  it('a paste into the report editor or a settings field stays there', () => {
    expect(pasteIsForTyping({ tagName: 'TEXTAREA' } as unknown as EventTarget)).toBe(true);
    expect(pasteIsForTyping({ tagName: 'INPUT' } as unknown as EventTarget)).toBe(true);
    expect(pasteIsForTyping({ tagName: 'DIV', isContentEditable: true } as unknown as EventTarget)).toBe(true);
    expect(pasteIsForTyping({ tagName: 'BODY', isContentEditable: false } as unknown as EventTarget)).toBe(false);
    expect(pasteIsForTyping(null)).toBe(false);
  });
});
