// The QR test helper reads back exactly what the qrcode package drew, so browser tests can
// trust it to check the enrollment page's QR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import QRCode from 'qrcode';
import pngjs from 'pngjs';
import { decodeQrFromPng } from '../helpers/qr-decode.js';
import { buildOtpauthUri, generateSecret } from '../../src/otp/index.js';

test('an otpauth URI drawn as a PNG QR code decodes back to the same text', async () => {
  const uri = buildOtpauthUri({
    issuer: 'ACME Corp: R&D Ünït',
    account: 'bob+mfa@exämple.com',
    secret: generateSecret(),
    algorithm: 'SHA256',
    digits: 8,
    period: 60,
  });
  const png = await QRCode.toBuffer(uri, { type: 'png' });
  assert.equal(decodeQrFromPng(png), uri);
});

test('a data: URL PNG (as an <img src> would carry it) decodes too', async () => {
  const text = 'otpauth://totp/Gatehouse:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Gatehouse';
  const dataUrl = await QRCode.toDataURL(text, { margin: 1, scale: 3 });
  const png = Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
  assert.equal(decodeQrFromPng(png), text);
});

test('a PNG without a QR code is an error, not an empty string', () => {
  const blank = new pngjs.PNG({ width: 64, height: 64 });
  blank.data.fill(255);
  assert.throws(() => decodeQrFromPng(pngjs.PNG.sync.write(blank)), /no QR code found in the 64x64 PNG/);
});
