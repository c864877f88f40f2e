// Reads the text of a QR code out of a PNG (e.g. a screenshot of the enrollment page), so a
// test checks what a phone would scan rather than what the HTML claims.
import jsqr from 'jsqr';
import pngjs from 'pngjs';

export function decodeQrFromPng(png: Buffer): string {
  const image = pngjs.PNG.sync.read(png);
  // pngjs always hands back 8-bit RGBA, the layout jsQR expects.
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const found = jsqr.default(pixels, image.width, image.height, { inversionAttempts: 'attemptBoth' });
  if (!found) throw new Error(`no QR code found in the ${image.width}x${image.height} PNG`);
  return found.data;
}
