// A film saved at more than 8 bits drafts as its 8-bit copy does, through the committed model: a 16-bit PNG holding
// the film's raw 12-bit values (a DICOM's pixels saved as they are) is read on the 12-bit scale. Read on the 16-bit
// scale, the film reached the model at 1/16 of its brightness: the Kermany bacterial pneumonia below then drafted
// "no acute cardiopulmonary abnormality" and the detector called it not a chest radiograph.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import { decodeImage } from '../image';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import { CXR_IMAGES } from './testing/sharedData';

const FILM = path.join(CXR_IMAGES, 'kermany/person1028_bacteria_2959.jpeg');

describe('bit depth through the committed model', () => {
  let engine: InThreadEngine;
  beforeAll(async () => {
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
  });
  afterAll(async () => engine.dispose());

  it('a 12-bit film in a 16-bit PNG gets the draft of its 8-bit copy, without a warning', async () => {
    const grey = decodeImage(new Uint8Array(readFileSync(FILM)));
    const as8 = Uint8Array.from(grey.data, (v) => Math.round(v * 255));
    const png = (data: Uint8Array | Uint16Array, depth: 8 | 16) => {
      const bytes = encodePng({ width: grey.width, height: grey.height, data, channels: 1, depth });
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    };
    const eight = await engine.generateFiles([{ name: 'film8.png', bytes: png(as8, 8) }]);
    const twelve = await engine.generateFiles([
      {
        name: 'film12in16.png',
        bytes: png(
          Uint16Array.from(as8, (v) => v * 16 + (v >> 4)),
          16,
        ),
      },
    ]);
    expect(eight.report.text).toMatch(/consolidation/);
    expect(twelve.report.text).toBe(eight.report.text);
    expect(twelve.warnings).toEqual(eight.warnings);
  });
});
