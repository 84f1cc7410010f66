'use strict';
// Verifies requests and button payloads signed by the Go client with Node's
// own crypto.verify (RSASSA-PSS, the salt length named by the algorithm),
// rebuilding the canonical request independently of the Go code.
//
// stdin: {"publicKeyPem": "...", "requests": [{"method","path","query","headers":{lower-case: value},"bodyBase64"}],
//         "payloads": [{"payloadJSON","signature","algorithm"}]}
// stdout: {"requests": [{"ok", "wrongSaltOk", "error"}], "payloads": [{"ok"}]}
const crypto = require('crypto');

const SALT = { 'AMZN-PAY-RSASSA-PSS': 20, 'AMZN-PAY-RSASSA-PSS-V2': 32 };

function sha256hex(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function verify(key, alg, stringToSign, signature, salt) {
  return crypto.verify('sha256', Buffer.from(stringToSign, 'utf8'), {
    key: key,
    padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
    saltLength: salt,
  }, Buffer.from(signature, 'base64'));
}

function checkRequest(key, req) {
  const auth = req.headers['authorization'];
  const m = /^(\S+) PublicKeyId=([^,]+), SignedHeaders=([^,]+), Signature=(\S+)$/.exec(auth || '');
  if (!m) { return { ok: false, error: 'bad authorization header: ' + auth }; }
  const alg = m[1];
  if (!(alg in SALT)) { return { ok: false, error: 'unknown algorithm ' + alg }; }
  const signed = m[3].split(';');
  let canonical = req.method + '\n' + req.path + '\n' + (req.query || '') + '\n';
  for (const name of signed) {
    if (!(name in req.headers)) { return { ok: false, error: 'signed header missing: ' + name }; }
    canonical += name + ':' + req.headers[name] + '\n';
  }
  canonical += '\n' + signed.join(';') + '\n' + sha256hex(Buffer.from(req.bodyBase64 || '', 'base64'));
  const sts = alg + '\n' + sha256hex(Buffer.from(canonical, 'utf8'));
  const other = alg === 'AMZN-PAY-RSASSA-PSS' ? 32 : 20;
  return {
    ok: verify(key, alg, sts, m[4], SALT[alg]),
    wrongSaltOk: verify(key, alg, sts, m[4], other),
    algorithm: alg,
    publicKeyId: m[2],
    signedHeaders: signed,
  };
}

const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const key = crypto.createPublicKey(input.publicKeyPem);
const out = {
  requests: (input.requests || []).map((r) => checkRequest(key, r)),
  payloads: (input.payloads || []).map((p) => ({
    ok: verify(key, p.algorithm, p.algorithm + '\n' + sha256hex(Buffer.from(p.payloadJSON, 'utf8')), p.signature, SALT[p.algorithm]),
  })),
};
process.stdout.write(JSON.stringify(out));
