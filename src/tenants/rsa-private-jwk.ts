// A new RSA private key as a JWK, for a tenant's signing key.
//
// Not generateKeyPairSync's KeyObject exported: on Node 20 that KeyObject shares a mutex
// with the finished key-generation job, and the job's destructor takes it. When the garbage
// collector destroys the job while export() holds the mutex (export allocates), the main
// thread waits on itself for good. Test servers hung that way in bootstrap (gdb: the main
// thread in ~KeyGenJob under KeyObjectHandle::ExportJWK); a server creating a tenant
// or rotating its keys would hang the same way. The job hands out DER bytes instead, and
// the KeyObject exported is a separate one with a mutex of its own.
import { createPrivateKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';

export function newRsaPrivateJwk(modulusLength = 2048): JsonWebKey {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
}
