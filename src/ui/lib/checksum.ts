// FNV-1a (32-bit) of a byte array, as 8 hex digits: a cheap fingerprint the page puts in the DOM
// (data-model-input) so a test can tell the model's input did not change.
export function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
