// Where a study comes in: drop one or two files (frontal + optional lateral) on the panel, a study's folder, or
// pick them; or paste an image anywhere on the page (a viewer's "Copy image"). PNG, JPEG, JPEG 2000 and DICOM;
// reading them is the image module's job, this only collects the File objects (lib/droppedFiles.ts walks a folder).
import { useEffect, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { filesFromDrop, filesFromPaste, filesFromPickedFolder, pasteIsForTyping, type EntryLike } from '../lib/droppedFiles';
import { IMAGE_EXTENSIONS } from '../../image/types';

interface Props {
  onFiles: (files: File[] | Promise<File[]>) => void; // a promise while a dropped folder is walked
  busy: boolean;
  compact: boolean; // images are already shown: a slim bar instead of the big drop target
  children?: ReactNode;
}

const ACCEPT = ['image/png', 'image/jpeg', 'image/jp2', 'image/tiff', 'application/dicom', ...IMAGE_EXTENSIONS.map((e) => `.${e}`)].join(',');
/** The file dialog picks a folder (every file below it); React has no typed prop for it, the DOM takes the attribute. */
const FOLDER_PICKER = { webkitdirectory: '' } as Record<string, string>;

export function ImageInput({ onFiles, busy, compact, children }: Props) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setDragging(false);
    const files = Array.from(e.dataTransfer.files);
    // The entries exist only during the event: take them now, walk them after.
    const entries = Array.from(e.dataTransfer.items ?? []).map((item) => (item.webkitGetAsEntry?.() ?? null) as EntryLike | null);
    if (files.length || entries.some(Boolean)) onFiles(filesFromDrop(files, entries));
  };

  useEffect(() => {
    const onPaste = (e: ClipboardEvent): void => {
      if (pasteIsForTyping(e.target)) return;
      const files = filesFromPaste(e.clipboardData);
      if (files.length === 0) return;
      e.preventDefault();
      onFiles(files);
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [onFiles]);

  return (
    <div
      className={`drop-area${dragging ? ' dragging' : ''}${compact ? ' compact' : ''}`}
      data-testid="drop-area"
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={onDrop}
    >
      {children}
      <div className="drop-prompt">
        {compact ? null : (
          <>
            <p className="drop-title">Drop a chest radiograph here</p>
            <p className="drop-hint">
              One frontal image, or a frontal and a lateral — PNG, JPEG, JPEG 2000, TIFF or DICOM, or a study's folder; or paste a copied image. Nothing leaves
              this machine.
            </p>
          </>
        )}
        <label className="button secondary file-button">
          {busy ? 'Reading…' : compact ? 'Open other images…' : 'Choose images…'}
          <input
            ref={inputRef}
            className="visually-hidden"
            type="file"
            multiple
            accept={ACCEPT}
            data-testid="file-input"
            aria-label="Choose one or two radiograph files"
            onChange={(e) => {
              const files = Array.from(e.currentTarget.files ?? []);
              e.currentTarget.value = '';
              if (files.length) onFiles(files);
            }}
          />
        </label>
        {compact ? null : (
          <label className="button secondary file-button">
            Choose a study folder…
            <input
              className="visually-hidden"
              type="file"
              {...FOLDER_PICKER}
              data-testid="folder-input"
              aria-label="Choose the folder of one study (for example from a PACS CD)"
              onChange={(e) => {
                const files = Array.from(e.currentTarget.files ?? []);
                e.currentTarget.value = '';
                if (files.length) onFiles(filesFromPickedFolder(files));
              }}
            />
          </label>
        )}
      </div>
    </div>
  );
}
