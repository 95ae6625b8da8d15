// Where a study comes in: drop one or two files (frontal + optional lateral) on the panel, or pick them.
// PNG, JPEG and DICOM; reading them is the image module's job, this only collects the File objects.
import { useRef, useState, type DragEvent, type ReactNode } from 'react';

interface Props {
  onFiles: (files: File[]) => void;
  busy: boolean;
  compact: boolean; // images are already shown: a slim bar instead of the big drop target
  children?: ReactNode;
}

const ACCEPT = 'image/png,image/jpeg,.png,.jpg,.jpeg,.dcm,.dicom,application/dicom';

export function ImageInput({ onFiles, busy, compact, children }: Props) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setDragging(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length) onFiles(files);
  };

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
            <p className="drop-hint">One frontal image, or a frontal and a lateral — PNG, JPEG or DICOM. Nothing leaves this machine.</p>
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
      </div>
    </div>
  );
}
