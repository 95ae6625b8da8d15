// The study on screen: one or two dropped images with previews and views, and the message for a file
// that could not be read (the image module's typed error, shown as is). Every drop starts a new study: the
// previous images go at once, and stay gone if the new files cannot be read.
import { useCallback, useState } from 'react';
import type { OrientationFix, ViewKind } from '../../image';
import { decodeOffThread } from '../lib/decodeOffThread';
import { MAX_FILES, TooManyFilesError, assignViews, fixImage, prepareInputImage, type InputImage } from '../lib/inputImage';

export interface ImagesState {
  images: InputImage[];
  error: string | null;
  busy: boolean;
}

export interface UseImages extends ImagesState {
  addFiles: (files: File[] | Promise<File[]>) => Promise<InputImage[] | null>; // a promise: a folder still being walked
  setView: (key: string, view: ViewKind) => void;
  putFirst: (key: string) => void; // draft from this image: the first frontal view is the one drafted
  fix: (key: string, fix: OrientationFix) => void; // set an image right as the OOD check proposed (a new study)
  clear: () => void;
}

export function useImages(): UseImages {
  const [state, setState] = useState<ImagesState>({ images: [], error: null, busy: false });

  const addFiles = useCallback(async (given: File[] | Promise<File[]>): Promise<InputImage[] | null> => {
    if (Array.isArray(given) && given.length === 0) return null;
    setState({ images: [], busy: true, error: null });
    try {
      const files = await given;
      if (files.length > MAX_FILES) throw new TooManyFilesError(files.length);
      const prepared: InputImage[] = [];
      for (const file of files) {
        const bytes = await file.arrayBuffer();
        try {
          prepared.push(await prepareInputImage(file.name, bytes, (b) => decodeOffThread(b, file.name)));
        } catch (err) {
          throw Object.assign(err as Error, { message: `${file.name}: ${(err as Error).message}` });
        }
      }
      const images = assignViews(prepared);
      setState({ images, error: null, busy: false });
      return images;
    } catch (err) {
      setState({ images: [], busy: false, error: (err as Error).message });
      return null;
    }
  }, []);

  const setView = useCallback((key: string, view: ViewKind) => {
    setState((s) => ({ ...s, images: s.images.map((im) => (im.key === key ? { ...im, view } : im)) }));
  }, []);

  const putFirst = useCallback((key: string) => {
    setState((s) => ({ ...s, images: [...s.images.filter((im) => im.key === key), ...s.images.filter((im) => im.key !== key)] }));
  }, []);

  const fix = useCallback((key: string, how: OrientationFix) => {
    setState((s) => ({ ...s, images: s.images.map((im) => (im.key === key ? fixImage(im, how) : im)) }));
  }, []);

  const clear = useCallback(() => setState({ images: [], error: null, busy: false }), []);

  return { ...state, addFiles, setView, putFirst, fix, clear };
}
