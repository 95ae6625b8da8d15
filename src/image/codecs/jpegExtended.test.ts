// The 12-bit JPEG decoder on codestreams written here, bit by bit: flat 8×8 blocks (DC only) decode to exactly their
// values, across restart intervals, stuffed 0xFF bytes, a 16-bit quantisation table and edge blocks cut by the image
// size; what it cannot read (colour, progressive) and what is broken (a missing restart marker, no scan) are typed
// errors. The real files (dcmtk's and pydicom's, against dcmtk's own decoder) are in ../dicomSyntaxes.test.ts.
import { describe, expect, it } from 'vitest';
import { decodeImageAsync } from '../decode';
import { DicomUnsupportedError, ImageCorruptError } from '../errors';
import { decodeJpegExtended } from './jpegExtended';

/** Bits → bytes, with a 0x00 stuffed after every 0xFF and the last byte padded with ones. */
class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }

  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.count = 0;
  }

  /** Pads the partial byte with ones (T.81 F.1.2.3). */
  align(): void {
    while (this.count !== 0) this.write(1, 1);
  }
}

const segment = (marker: number, body: number[]): number[] => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];

/** DC table: the 16 categories 0…15 as 4-bit codes 0000…1111 would include the all-ones code, which T.81 forbids, so
 *  categories get 5-bit codes (counts: sixteen codes of length 5). AC table: one symbol, end of block (0x00), code "0". */
const DC_COUNTS = [0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const dcCode = (category: number): number => category; // canonical codes of one length: 0, 1, 2, … in value order

function encodeFlatBlocks(opts: {
  width: number;
  height: number;
  blockValues: number[]; // one sample value per 8×8 block, row-major over the block grid
  restartInterval?: number;
  components?: number;
  sof?: number;
  dropRestartMarker?: boolean;
}): Uint8Array {
  const { width, height, blockValues, restartInterval = 0, components = 1, sof = 0xc1 } = opts;
  const out: number[] = [0xff, 0xd8];
  // A 16-bit quantisation table (Pq = 1) of ones: a DC coefficient F gives the flat sample F/8 + 2048.
  out.push(...segment(0xdb, [0x10, ...Array.from({ length: 64 }, () => [0, 1]).flat()]));
  const comps = Array.from({ length: components }, (_, i) => [i + 1, 0x11, 0]).flat();
  out.push(...segment(sof, [12, height >> 8, height & 0xff, width >> 8, width & 0xff, components, ...comps]));
  out.push(...segment(0xc4, [0x00, ...DC_COUNTS, ...Array.from({ length: 16 }, (_, i) => i)]));
  out.push(...segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0x00]));
  if (restartInterval) out.push(...segment(0xdd, [restartInterval >> 8, restartInterval & 0xff]));
  out.push(...segment(0xda, [1, 1, 0x00, 0, 63, 0]));
  let bits = new BitWriter();
  let predictor = 0;
  let restarts = 0;
  blockValues.forEach((value, b) => {
    if (restartInterval && b > 0 && b % restartInterval === 0) {
      bits.align();
      out.push(...bits.bytes);
      if (!opts.dropRestartMarker) out.push(0xff, 0xd0 + (restarts++ % 8));
      bits = new BitWriter();
      predictor = 0;
    }
    const dc = (value - 2048) * 8;
    const diff = dc - predictor;
    predictor = dc;
    const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
    bits.write(dcCode(category), 5);
    if (category > 0) bits.write(diff > 0 ? diff : diff + (1 << category) - 1, category);
    bits.write(0, 1); // end of block
  });
  bits.align();
  out.push(...bits.bytes, 0xff, 0xd9);
  return Uint8Array.from(out);
}

/** The expected samples of flat blocks, cut to the image size. */
function flatImage(width: number, height: number, blockValues: number[]): Uint16Array {
  const blocksX = Math.ceil(width / 8);
  return Uint16Array.from({ length: width * height }, (_, i) => blockValues[Math.floor(Math.floor(i / width) / 8) * blocksX + Math.floor((i % width) / 8)]);
}

describe('decodeJpegExtended', () => {
  it('decodes flat blocks exactly, with restart intervals, stuffed bytes and a partial edge block', () => {
    // 20 × 12 px: a 3 × 2 grid of blocks, the right and bottom ones cut; values from black to white of 12 bits.
    const values = [0, 4095, 2048, 1, 3000, 255];
    for (const restartInterval of [0, 1, 2, 4]) {
      const stream = encodeFlatBlocks({ width: 20, height: 12, blockValues: values, restartInterval });
      const frame = decodeJpegExtended(stream);
      expect([frame.width, frame.height, frame.components, frame.bitsPerSample]).toEqual([20, 12, 1, 12]);
      expect(Array.from(frame.samples), `restart interval ${restartInterval}`).toEqual(Array.from(flatImage(20, 12, values)));
    }
  });

  it('a codestream whose entropy-coded bytes hold 0xFF (stuffed) decodes the same', () => {
    // Category 15 (diff 32767 → 1111…) and an all-ones magnitude put 0xFF bytes in the data.
    const values = [4095, 0, 4095, 0];
    const stream = encodeFlatBlocks({ width: 32, height: 8, blockValues: values });
    const scanStart = stream.lastIndexOf(0xda);
    expect(stream.subarray(scanStart).some((b, i, a) => b === 0xff && a[i + 1] === 0)).toBe(true);
    expect(Array.from(decodeJpegExtended(stream).samples)).toEqual(Array.from(flatImage(32, 8, values)));
  });

  it('a missing restart marker, a scan with no frame or no scan at all are corrupt files', () => {
    const values = [100, 200, 300, 400];
    expect(() => decodeJpegExtended(encodeFlatBlocks({ width: 32, height: 8, blockValues: values, restartInterval: 2, dropRestartMarker: true }))).toThrow(
      /missing a restart marker/,
    );
    const stream = encodeFlatBlocks({ width: 32, height: 8, blockValues: values });
    const sos = stream.indexOf(0xda) - 1;
    expect(() => decodeJpegExtended(Uint8Array.from([...stream.subarray(0, sos), 0xff, 0xd9]))).toThrow(ImageCorruptError);
    expect(() => decodeJpegExtended(Uint8Array.from([0xff, 0xd9]))).toThrow(/does not start with SOI/);
  });

  it('colour and progressive 12-bit JPEG are refused with a typed error that says what to export instead', () => {
    const values = [1, 2];
    expect(() => decodeJpegExtended(encodeFlatBlocks({ width: 16, height: 8, blockValues: values, components: 3 }))).toThrow(DicomUnsupportedError);
    const progressive = () => decodeJpegExtended(encodeFlatBlocks({ width: 16, height: 8, blockValues: values, sof: 0xc2 }));
    expect(progressive).toThrow(DicomUnsupportedError);
    expect(progressive).toThrow(/Convert it to uncompressed DICOM/);
  });

  it('a codestream cut anywhere in its scan is a damaged file, never an image with its last blocks made up', () => {
    const values = Array.from({ length: 16 }, (_, i) => (i % 2 ? 4095 : i * 250)); // big DC steps put 0xFF 0x00 in the data
    const stream = encodeFlatBlocks({ width: 32, height: 32, blockValues: values });
    const eoi = stream.length - 2;
    const scanData = stream.indexOf(0xda) + 2 + 8; // after the SOS segment (length 8)
    expect(stream.subarray(scanData, eoi).some((b, i, a) => b === 0xff && a[i + 1] === 0)).toBe(true); // cuts between 0xFF and its 0x00 too
    for (let cut = scanData; cut < eoi; cut++) {
      expect(() => decodeJpegExtended(stream.subarray(0, cut)), `cut at ${cut} of ${eoi}`).toThrow(/cut short/);
    }
    // Only the end-of-image marker missing: every block is there, so it decodes.
    expect(Array.from(decodeJpegExtended(stream.subarray(0, eoi)).samples)).toEqual(Array.from(flatImage(32, 32, values)));
  });
});

describe('a plain 12-bit JPEG file (no DICOM around it)', () => {
  it('reads as its samples on the 12-bit scale; what it cannot read is said of a JPEG file, not a DICOM', async () => {
    const values = [0, 4095, 2048, 1000];
    const img = await decodeImageAsync(encodeFlatBlocks({ width: 32, height: 32, blockValues: [...values, ...values, ...values, ...values] }), {
      keepValues: true,
    });
    expect([img.width, img.height, img.bitsStored, img.meta?.transferSyntaxName]).toEqual([32, 32, 12, '12-bit JPEG']);
    expect(Array.from(img.values!)).toEqual(Array.from(flatImage(32, 32, [...values, ...values, ...values, ...values])));
    expect(img.data[8]).toBe(1); // 4095 of 4095
    const colour = decodeImageAsync(encodeFlatBlocks({ width: 32, height: 32, blockValues: new Array(16).fill(7), components: 3 }));
    await expect(colour).rejects.toMatchObject({ name: 'ImageFormatError', message: expect.stringMatching(/^This 12-bit JPEG has 3 colour components/) });
    await expect(colour).rejects.toMatchObject({ message: expect.not.stringMatching(/DICOM file|dcmdjpeg/) });
    const progressive = decodeImageAsync(encodeFlatBlocks({ width: 32, height: 32, blockValues: new Array(16).fill(7), sof: 0xc2 }));
    await expect(progressive).rejects.toMatchObject({ name: 'ImageFormatError', message: expect.stringMatching(/^This 12-bit JPEG is progressive/) });
  });
});
