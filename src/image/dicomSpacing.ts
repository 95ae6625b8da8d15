// How big a DICOM pixel is, for the viewer's measurements. A projection radiograph states it in up to three tags,
// and they mean different things:
//   Imager Pixel Spacing (0018,1164): at the detector. The anatomy is nearer the tube than the detector, so it is
//     projected larger than it is; a length read from this tag alone overstates the patient's.
//   Estimated Radiographic Magnification Factor (0018,1114): that enlargement; Imager Pixel Spacing ÷ it is the
//     spacing in the plane of the patient.
//   Pixel Spacing (0028,0030): in the patient, calibrated, when Pixel Spacing Calibration Type (0028,0A02) says
//     how (GEOMETRY or FIDUCIAL); without it, what the spacing stands for is not stated.
// Each spacing is "row\column": the distance between rows (vertical) then between columns (horizontal), in mm.
import type { DataSet } from 'dicom-parser';
import { TAG } from './dicomParse';
import type { PixelSpacing } from './types';

/** "0.175\0.175" → [0.175, 0.175]; null for anything that is not two positive finite numbers. */
function pair(value: string | undefined): [number, number] | null {
  const parts = (value ?? '').split('\\').map((s) => Number.parseFloat(s.trim()));
  if (parts.length !== 2 || !parts.every((v) => Number.isFinite(v) && v > 0)) return null;
  return [parts[0], parts[1]];
}

/** The most trustworthy spacing a data set states, or undefined when it states none (lengths stay in pixels). */
export function pixelSpacingOf(dataSet: DataSet): PixelSpacing | undefined {
  const patient = pair(dataSet.string(TAG.pixelSpacing));
  const calibration = dataSet.string(TAG.pixelSpacingCalibration)?.trim().toUpperCase() || undefined;
  if (patient && calibration) return { row: patient[0], column: patient[1], basis: 'calibrated', calibration };
  const imager = pair(dataSet.string(TAG.imagerPixelSpacing));
  const factor = Number.parseFloat(dataSet.string(TAG.magnification) ?? '');
  if (imager && Number.isFinite(factor) && factor >= 1)
    return { row: imager[0] / factor, column: imager[1] / factor, basis: 'magnification-corrected', magnification: factor };
  if (patient) return { row: patient[0], column: patient[1], basis: 'unstated' };
  if (imager) return { row: imager[0], column: imager[1], basis: 'detector' };
  return undefined;
}
