// What the DICOM tags say the image is, against what the model reads: chest radiographs (CR/DX). A CT slice,
// an MR image or a knee film gets a plain message instead of a draft (the page withholds it unless asked).
import tables from './dicomTables.json' with { type: 'json' };
import type { ViewKind } from './types';

const MODALITY_NAMES: Record<string, string> = {
  CT: 'a CT image',
  MR: 'an MR image',
  US: 'an ultrasound image',
  NM: 'a nuclear medicine image',
  PT: 'a PET image',
  MG: 'a mammogram',
  XA: 'an angiography image',
  RF: 'a fluoroscopy image',
  IO: 'an intra-oral radiograph',
  PX: 'a panoramic dental radiograph',
  OT: 'an image of another kind (OT)',
  SC: 'a secondary capture',
  ES: 'an endoscopy image',
  OP: 'an ophthalmic photograph',
  XC: 'a photograph',
  SM: 'a microscopy slide',
  RTIMAGE: 'a radiotherapy image',
  RTDOSE: 'a radiotherapy dose grid',
};

export function viewFromPosition(viewPosition: string | undefined): ViewKind {
  const key = (viewPosition ?? '').trim().toUpperCase();
  if (tables.viewPositions.frontal.includes(key)) return 'frontal';
  if (tables.viewPositions.lateral.includes(key)) return 'lateral';
  return 'unknown';
}

/**
 * A message when Modality (0008,0060) is not a radiograph's (CR, DX, DR) or BodyPartExamined (0018,0015) is
 * present and not the chest; null when the tags are absent or agree. Secondary captures (SC, OT) are let through:
 * PACS exports of radiographs often carry them; the out-of-distribution check still looks at their pixels.
 */
export function notChestRadiograph(modality: string | undefined, bodyPart: string | undefined): string | null {
  const m = (modality ?? '').trim().toUpperCase();
  const part = (bodyPart ?? '').trim().toUpperCase();
  const readsAnyway = m === '' || m === 'SC' || m === 'OT';
  if (!readsAnyway && !tables.chestModalities.includes(m)) {
    const what = MODALITY_NAMES[m] ?? `a ${m} image`;
    return `This is ${what} (DICOM Modality ${m}), not a chest radiograph. The model reads chest radiographs (CR/DX) only, so its draft would be meaningless.`;
  }
  if (part && !tables.chestBodyParts.includes(part)) {
    return (
      `This radiograph is of the ${part.toLowerCase()} (DICOM BodyPartExamined ${part}), not the chest. The model reads chest radiographs only, ` +
      `so its draft would be meaningless.`
    );
  }
  return null;
}
