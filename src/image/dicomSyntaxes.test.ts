// Every transfer syntax against a reference decode: one real radiograph (JSRT, ../shared/data) written by
// e2e/fixtures/dicom_renditions.py with Debian's dcmtk, opj_compress and ojph_compress, then read here. A lossless
// rendition must give exactly the uncompressed file's grey values and so the same model input tensor; a lossy one
// must stay within LOSSY_TOLERANCE. Also pydicom's own test files (Debian's python3-pydicom).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JSRT_RADIOGRAPH, pydicomTestFiles } from '../engine/testing/sharedData';
import { decodeImage, decodeImageAsync, dicomHasImage, preprocess, sniffFormat } from '.';
import { encapsulatedFirstFrame } from './dicomFrame';
import { parseDicom, readHeader } from './dicomParse';
import type { GreyImage } from './types';

const ROOT = path.resolve(__dirname, '../..');
const PYDICOM = pydicomTestFiles();
const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'public/models/serpent-cxr/manifest.json'), 'utf8')) as {
  preprocessing: { image_size: number; pixel_mean: number; pixel_std: number };
};

/** Lossy renditions: mean |Δ| of the model input in grey units (0–1) at most 0.005, worst pixel at most 0.03 (measured: ≤ 0.0025 and ≤ 0.012). */
const LOSSY_TOLERANCE = { mean: 0.005, max: 0.03 };

interface Rendition {
  name: string;
  file: string;
  syntax: string;
  lossless: boolean;
  base: string;
}
let renditions: Rendition[] = [];

const read = (file: string): Uint8Array => new Uint8Array(readFileSync(file));
const tensor = (img: GreyImage): Float32Array =>
  preprocess(img, { size: MANIFEST.preprocessing.image_size, mean: MANIFEST.preprocessing.pixel_mean, std: MANIFEST.preprocessing.pixel_std, quantise: true })
    .pixels;

function diff(a: Float32Array, b: Float32Array, scale = 1): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) * scale;
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

/** A decoded compressed file's stored values against dcmtk's own decompression of it (dcmdjpeg: libjpeg, 12-bit). */
function sameAsDcmtk(img: GreyImage, file: string): { max: number; share: number } {
  const ref = path.join(mkdtempSync(path.join(tmpdir(), 'serpent-dcmdjpeg-')), 'ref.dcm');
  execFileSync('dcmdjpeg', [file, ref]);
  const base = decodeImage(read(ref), { keepValues: true });
  expect([img.width, img.height]).toEqual([base.width, base.height]);
  const d = diff(img.values!, base.values!);
  let differing = 0;
  for (let i = 0; i < img.values!.length; i++) if (img.values![i] !== base.values![i]) differing++;
  return { max: d.max, share: differing / img.values!.length };
}

beforeAll(() => {
  const out = mkdtempSync(path.join(tmpdir(), 'serpent-dicom-'));
  renditions = JSON.parse(
    execFileSync('/usr/bin/python3', [path.join(ROOT, 'e2e/fixtures/dicom_renditions.py'), JSRT_RADIOGRAPH, out], { encoding: 'utf8' }),
  ) as Rendition[];
});

describe('DICOM transfer syntaxes (dcmtk renditions of a JSRT radiograph)', () => {
  it('reads every rendition as the uncompressed file does: lossless exactly, lossy within tolerance', async () => {
    expect(renditions.length).toBeGreaterThanOrEqual(20);
    const syntaxes = new Set<string>();
    for (const r of renditions) {
      if (r.name === 'rgb_8') continue; // colour: read as PNG reads it, tested below
      const img = await decodeImageAsync(read(r.file));
      const base = decodeImage(read(r.base));
      expect([img.width, img.height], r.name).toEqual([base.width, base.height]);
      expect(img.meta?.transferSyntax, r.name).toBe(r.syntax);
      const t = diff(tensor(img), tensor(base), MANIFEST.preprocessing.pixel_std);
      if (r.lossless) {
        expect(diff(img.data, base.data).max, `${r.name} grey values`).toBeLessThan(1e-6);
        expect(t.max, `${r.name} model input`).toBeLessThan(1e-6);
      } else {
        expect(t.mean, `${r.name} mean error`).toBeLessThan(LOSSY_TOLERANCE.mean);
        expect(t.max, `${r.name} worst pixel`).toBeLessThan(LOSSY_TOLERANCE.max);
        expect(t.max, `${r.name} is lossy, so not identical`).toBeGreaterThan(0);
      }
      syntaxes.add(r.syntax);
    }
    expect(syntaxes.size).toBe(15);
    expect(renditions.some((r) => r.name === 'jpeg_extended_12')).toBe(true);
  });

  it('reads 12-bit lossy JPEG to within one stored value of dcmtk (libjpeg) decoding the same file', async () => {
    const r = renditions.find((x) => x.name === 'jpeg_extended_12')!;
    const own = sameAsDcmtk(await decodeImageAsync(read(r.file), { keepValues: true }), r.file);
    expect(own.max).toBe(1); // a float inverse DCT against libjpeg's integer one: off by one at most, and somewhere
    expect(own.share).toBeLessThan(0.1); // measured: 4.2 % of this film's pixels
  });

  it('reads the same codestreams as plain files: 12-bit lossy JPEG, lossless JPEG and JPEG-LS, as a PACS exports them', async () => {
    const stored12 = decodeImage(read(renditions.find((x) => x.name === 'explicit_le_12')!.file), { keepValues: true }).values!;
    const plain = ['jpeg_extended_12', 'jpeg_lossless_p14_12', 'jpeg_lossless_sv1_12', 'jpegls_lossless_12', 'jpegls_near_12', 'jpeg_lossless_sv1_8'];
    for (const name of plain) {
      const r = renditions.find((x) => x.name === name)!;
      const { dataSet, transferSyntax, syntax } = parseDicom(read(r.file));
      const codestream = encapsulatedFirstFrame(dataSet, readHeader(dataSet, transferSyntax, syntax)).slice();
      expect(sniffFormat(codestream), name).toBe('jpeg'); // a DICOM frame of these syntaxes is a whole JPEG file
      const img = await decodeImageAsync(codestream, { keepValues: true });
      const fromDicom = await decodeImageAsync(read(r.file), { keepValues: true });
      const bits = name.endsWith('_8') ? 8 : 12;
      expect([img.width, img.height, img.bitsStored, img.meta?.format], name).toEqual([fromDicom.width, fromDicom.height, bits, 'jpeg']);
      // dcmtk writes 12-bit films into 16-bit lossless streams: the grey scale follows the bits the samples use.
      expect(img.meta?.transferSyntaxName, name).toMatch(
        new RegExp(`^(${bits}-bit (JPEG|lossless JPEG|JPEG-LS)|16-bit (lossless JPEG|JPEG-LS), values within ${bits} bits)$`),
      );
      expect(diff(img.values!, fromDicom.values!).max, `${name}: the stored values DICOM's decode gives`).toBe(0);
      // Grey on the sample scale, as a 16-bit PNG is read: value / (2^bits − 1).
      expect(
        diff(
          img.data,
          Float32Array.from(img.values!, (v) => v / (2 ** bits - 1)),
        ).max,
        name,
      ).toBeLessThan(1e-6);
      if (bits === 12 && r.lossless) expect(diff(img.values!, stored12).max, `${name} is lossless`).toBe(0);
      // The synchronous decoder (jpeg-js) cannot read them, and says which decoder does.
      expect(() => decodeImage(codestream), name).toThrow(/-bit (JPEG|lossless JPEG|JPEG-LS), which only decodeImageAsync reads/);
      // The model sees it as it sees the DICOM (which maps its min–max range): within one 8-bit grey level.
      expect(diff(tensor(img), tensor(fromDicom), MANIFEST.preprocessing.pixel_std).max, name).toBeLessThanOrEqual(1 / 255 + 1e-6);
    }
    // A cut-short file is a damaged JPEG file (not a DICOM), not a film with its lower rows made up.
    for (const name of ['jpeg_extended_12', 'jpeg_lossless_sv1_12', 'jpegls_lossless_12']) {
      const r = renditions.find((x) => x.name === name)!;
      const { dataSet, transferSyntax, syntax } = parseDicom(read(r.file));
      const whole = encapsulatedFirstFrame(dataSet, readHeader(dataSet, transferSyntax, syntax)).slice();
      for (const keep of [0.5, 0.9]) {
        await expect(decodeImageAsync(whole.subarray(0, Math.floor(whole.length * keep))), `${name} cut to ${keep}`).rejects.toMatchObject({
          name: 'ImageCorruptError',
          message: expect.stringMatching(/^The JPEG file looks damaged/),
        });
      }
    }
  });

  it('reads plain JPEG 2000 and HTJ2K files (bare codestreams and a JP2 box file) as their DICOM renditions', async () => {
    const dir = path.dirname(renditions[0].file);
    execFileSync('opj_compress', ['-i', path.join(dir, 'grey12.pgm'), '-o', path.join(dir, 'film.jp2')], { stdio: 'pipe' });
    const plain: [string, string, string][] = [
      ['j2k_lossless_12.j2k', 'j2k_lossless_12', '12-bit JPEG 2000'],
      ['j2k_lossy_12.j2k', 'j2k_lossy_12', '12-bit JPEG 2000'],
      ['htj2k_lossless_12.j2c', 'htj2k_lossless_12', '12-bit HTJ2K'],
      ['htj2k_lossy_12.j2c', 'htj2k_lossy_12', '12-bit HTJ2K'],
      ['film.jp2', 'j2k_lossless_12', '12-bit JPEG 2000'],
    ];
    for (const [file, rendition, coding] of plain) {
      const bytes = read(path.join(dir, file));
      expect(sniffFormat(bytes), file).toBe('jpeg2000');
      const img = await decodeImageAsync(bytes, { keepValues: true });
      const fromDicom = await decodeImageAsync(read(renditions.find((x) => x.name === rendition)!.file), { keepValues: true });
      expect([img.width, img.height, img.bitsStored, img.meta?.format, img.meta?.transferSyntaxName], file).toEqual([224, 224, 12, 'jpeg2000', coding]);
      expect(diff(img.values!, fromDicom.values!).max, `${file}: the stored values of its DICOM rendition`).toBe(0);
      expect(diff(tensor(img), tensor(fromDicom), MANIFEST.preprocessing.pixel_std).max, file).toBeLessThanOrEqual(1 / 255 + 1e-6);
      expect(() => decodeImage(bytes), file).toThrow(/JPEG 2000, which only decodeImageAsync reads/);
      // Cut short: a damaged JPEG 2000 file (OpenJPH would decode half an HTJ2K stream at a lower quality, silently).
      await expect(decodeImageAsync(bytes.subarray(0, Math.floor(bytes.length * 0.6))), file).rejects.toMatchObject({
        name: 'ImageCorruptError',
        message: expect.stringMatching(/^The JPEG 2000 file looks damaged/),
      });
    }
    // Signed samples (CT's kind) are said to be that, not decoded as a film.
    const signed = read(path.join(dir, 'j2k_lossless_12.j2k'));
    signed[42] |= 0x80; // SIZ's Ssiz of the first component: SOC 2 + marker 2 + 38 bytes in
    await expect(decodeImageAsync(signed)).rejects.toMatchObject({ name: 'ImageFormatError', message: expect.stringMatching(/signed samples/) });
    // A box file without its codestream box is damaged, not unrecognised.
    const jp2 = read(path.join(dir, 'film.jp2'));
    const jp2c = jp2.findIndex((_, i) => String.fromCharCode(...jp2.subarray(i, i + 4)) === 'jp2c');
    await expect(decodeImageAsync(jp2.subarray(0, jp2c - 4))).rejects.toThrow(/holds no codestream box \(jp2c\)/);
  });

  it('marks the multi-frame file, the lateral and the RGB capture', async () => {
    const multi = await decodeImageAsync(read(renditions.find((x) => x.name === 'multiframe_rle_12')!.file));
    expect(multi.meta?.frames).toBe(2);
    const rgb = decodeImage(read(renditions.find((x) => x.name === 'rgb_8')!.file));
    expect(rgb.isColour).toBe(false); // three equal channels: a grey radiograph saved as RGB
    expect(rgb.meta?.photometric).toBe('RGB');
    expect(diff(rgb.data, decodeImage(read(JSRT_RADIOGRAPH)).data).max).toBeLessThan(1e-6); // as its PNG reads
    const lateral = decodeImage(read(path.join(path.dirname(renditions[0].file), 'lateral_12.dcm')));
    expect(lateral.meta?.view).toBe('lateral');
  });

  it('reads a data set written without the Part 10 preamble (implicit or explicit VR, with or without its meta group)', () => {
    const file = renditions.find((x) => x.name === 'explicit_le_12')!.file;
    const base = decodeImage(read(file));
    const dir = mkdtempSync(path.join(tmpdir(), 'serpent-raw-'));
    const raw = (flags: string[], name: string): Uint8Array => {
      execFileSync('dcmconv', [...flags, file, path.join(dir, name)]);
      return read(path.join(dir, name));
    };
    const variants: [string, Uint8Array, string][] = [
      ['implicit VR, no meta group', raw(['-F', '+ti'], 'implicit.dcm'), '1.2.840.10008.1.2'],
      ['explicit VR, no meta group', raw(['-F', '+te'], 'explicit.dcm'), '1.2.840.10008.1.2.1'],
      ['the meta group without preamble and DICM', read(file).subarray(132), '1.2.840.10008.1.2.1'],
    ];
    for (const [what, bytes, syntax] of variants) {
      expect(String.fromCharCode(...bytes.subarray(128, 132)), what).not.toBe('DICM');
      const img = decodeImage(bytes);
      expect(img.meta?.transferSyntax, what).toBe(syntax);
      expect(img.meta?.viewPosition, what).toBe('PA');
      expect(diff(img.data, base.data).max, what).toBe(0);
    }
    // Bytes that merely start like group 0008 are not taken for DICOM.
    const lookalike = Uint8Array.from({ length: 400 }, (_, i) => (i < 2 ? [0x08, 0x00][i] : (i * 37) % 256));
    expect(() => decodeImage(lookalike)).toThrow(/not a recognised image/);
  });

  it('tells an image from a DICOM object with no pixel data by its header alone', () => {
    for (const name of ['explicit_le_12', 'jpeg_extended_12', 'implicit_le_12']) {
      const bytes = read(renditions.find((x) => x.name === name)!.file);
      // 4 KB hold the header and the pixel data element's own header, not the pixels: the element is found there.
      const head = bytes.subarray(0, 4096);
      expect(bytes.length, name).toBeGreaterThan(4096);
      expect(parseDicom(head, { untilTag: 'x7fe00010' }).dataSet.elements.x7fe00010, name).toBeDefined();
      expect(dicomHasImage(head, true), name).toBe(true);
    }
    const plan = read(path.join(PYDICOM, 'rtplan.dcm'));
    expect(dicomHasImage(plan, true)).toBe(false);
    expect(dicomHasImage(plan.subarray(0, 600), false)).toBe(true); // a head that ends early proves nothing: counted as an image
  });

  it('honours the VOI LUT sequence and a SIGMOID window function', () => {
    const dir = path.dirname(renditions[0].file);
    const stored = decodeImage(read(path.join(dir, 'explicit_le_12.dcm'))); // min–max window: recover the stored values
    const w = stored.meta!.window!;
    const value = (i: number): number => Math.round(stored.data[i] * (w.width - 1) + w.center - 0.5 - (w.width - 1) / 2);
    const lut = decodeImage(read(path.join(dir, 'voi_lut_12.dcm')));
    const sig = decodeImage(read(path.join(dir, 'sigmoid_12.dcm')));
    expect([lut.meta?.voi, sig.meta?.voi]).toEqual(['voi-lut', 'window']);
    for (const i of [0, 1000, 20000, 30000, 50175]) {
      expect(lut.data[i]).toBeCloseTo(Math.round(65535 * Math.sqrt(value(i) / 4095)) / 65535, 5);
      expect(sig.data[i]).toBeCloseTo(1 / (1 + Math.exp((-4 * (value(i) - 2048)) / 1024)), 5);
    }
  });

  it('needs the asynchronous decoder only for the WebAssembly codecs', () => {
    const j2k = renditions.find((x) => x.name === 'j2k_lossless_12')!;
    expect(() => decodeImage(read(j2k.file))).toThrow(/decodeImageAsync/);
    expect(decodeImage(read(renditions.find((x) => x.name === 'deflated_12')!.file)).width).toBe(224);
  });
});

describe("pydicom's test files", () => {
  const file = (name: string): Uint8Array => read(path.join(PYDICOM, name));

  it('reads its compressed MR renditions exactly as its uncompressed MR', async () => {
    const base = decodeImage(file('MR_small.dcm'));
    for (const name of [
      'MR_small_RLE.dcm',
      'MR_small_jp2klossless.dcm',
      'MR_small_jpeg_ls_lossless.dcm',
      'MR_small_bigendian.dcm',
      'MR_small_implicit.dcm',
      'MR_small_expb.dcm',
    ]) {
      const img = await decodeImageAsync(file(name));
      expect(diff(img.data, base.data).max, name).toBeLessThan(1e-6);
    }
  });

  it('reads the pixel spacing of third-party files, in every byte order, as uncalibrated (none states a calibration)', async () => {
    for (const name of ['MR_small.dcm', 'MR_small_bigendian.dcm', 'MR_small_implicit.dcm']) {
      expect((await decodeImageAsync(file(name))).meta?.pixelSpacing, name).toEqual({ row: 0.3125, column: 0.3125, basis: 'unstated' });
    }
    expect((await decodeImageAsync(file('CT_small.dcm'))).meta?.pixelSpacing).toEqual({ row: 0.661468, column: 0.661468, basis: 'unstated' });
  });

  it('says CT and MR are not chest radiographs', async () => {
    expect((await decodeImageAsync(file('CT_small.dcm'))).meta?.notChestRadiograph).toMatch(/This is a CT image.*not a chest radiograph/);
    expect((await decodeImageAsync(file('MR_small.dcm'))).meta?.notChestRadiograph).toMatch(/This is an MR image/);
  });

  it('reads colour captures as grey and flags real colour', async () => {
    for (const name of [
      'SC_rgb_rle.dcm',
      'SC_rgb_jpeg_dcmtk.dcm',
      'SC_rgb_dcmtk_+eb+cy+np.dcm',
      'SC_ybr_full_422_uncompressed.dcm',
      'SC_rgb_rle_16bit.dcm',
      'SC_rgb_rle_2frame.dcm',
    ]) {
      const img = await decodeImageAsync(file(name));
      expect(img.isColour, name).toBe(true);
      expect(
        img.data.every((v) => v >= 0 && v <= 1),
        name,
      ).toBe(true);
    }
  });

  it('decodes its JPEG, JPEG 2000 and deflated files, and gives typed errors for the broken ones', async () => {
    for (const name of ['JPEG2000.dcm', 'image_dfl.dcm', 'ExplVR_BigEnd.dcm', 'SC_jpeg_no_color_transform.dcm']) {
      const img = await decodeImageAsync(file(name));
      expect(img.width, name).toBeGreaterThan(0);
    }
    await expect(decodeImageAsync(file('MR_truncated.dcm'))).rejects.toMatchObject({ name: 'ImageCorruptError' });
    for (const name of ['JPGExtended.dcm', 'JPEG-lossy.dcm']) {
      // 12-bit lossy JPEG (1024×256 nuclear medicine frames): what dcmtk's libjpeg gives, to within one stored value.
      const img = await decodeImageAsync(file(name), { keepValues: true });
      expect(img.meta?.transferSyntax, name).toBe('1.2.840.10008.1.2.4.51');
      expect(sameAsDcmtk(img, path.join(PYDICOM, name)).max, name).toBeLessThanOrEqual(1);
    }
    await expect(decodeImageAsync(file('liver_1frame.dcm'))).rejects.toMatchObject({
      name: 'DicomUnsupportedError',
      message: expect.stringMatching(/1 bits per sample/),
    });
    // A plan has no image: said so, not called a damaged file. The same data sets without a Part 10 header.
    for (const name of ['rtplan.dcm', 'rtstruct.dcm', 'ExplVR_LitEndNoMeta.dcm'])
      await expect(decodeImageAsync(file(name))).rejects.toMatchObject({
        name: 'ImageFormatError',
        message: expect.stringMatching(/holds no image \(Modality RT/),
      });
  });
});
