// The one-time-password core: pure functions over node:crypto, no I/O, no clock of its own.
export type { HotpParams, OtpAlgorithm, OtpDigits, TotpParams } from './params.js';
export { DEFAULT_TOTP_PARAMS, OTP_ALGORITHMS, OTP_DIGITS } from './params.js';
export { counterBytes, dynamicTruncate, hmacCounter, hotp } from './hotp.js';
export { codesEqual, isWellFormedCode } from './compare.js';
export { timeStep, totp, verifyTotp, windowOffsets, type VerifyTotpInput } from './totp.js';
export { Base32Error, base32Decode, base32Encode, formatBase32ForDisplay } from './base32.js';
export { generateSecret } from './secret.js';
export { buildOtpauthUri, type OtpauthUriInput } from './otpauth-uri.js';
