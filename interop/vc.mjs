// The reference stack (Digital Bazaar vc + data-integrity + eddsa-rdfc-2022)
// behind one JSON request on stdin and one JSON answer on stdout.
//
// Modes (request field `mode`):
//   sign   {credential, documents, publicKeyMultibase, secretKeyMultibase,
//           created} -> the credential signed by did:key:<publicKeyMultibase>
//   verify {credential, documents, now?, statusUnrevoked?}
//          -> {verified, error}; a credential with `credentialStatus` fails
//          unless `statusUnrevoked` is true (no status list is ever fetched,
//          so the caller has to vouch for the status; fail closed otherwise)
//   bench  {credential, documents, publicKeyMultibase, secretKeyMultibase,
//           seconds, rounds?}
//          -> {signsPerSecond, verifiesPerSecond} (medians over the rounds)
//   sign2020 / verify2020: as sign / verify, with the older Ed25519Signature2020
//          suite (@digitalbazaar/ed25519-signature-2020) instead
//   signJwt {payload, kid, publicKeyMultibase, secretKeyMultibase}
//          -> {jwt}: a compact JWS (alg EdDSA, typ JWT) made by `jose`
//   verifyJwt {jwt, publicKeyMultibase} -> {verified, payload, header, error}
//
// Nothing is fetched: the document loader serves the request's `documents`
// (URL -> JSON) and derives Ed25519 did:key documents from the key itself.
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as vc from '@digitalbazaar/vc';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import * as jose from 'jose';
import {performance} from 'node:perf_hooks';

const DID_CONTEXT = [
  'https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'];
// An Ed25519 Multikey (multicodec 0xed01 + 32 bytes) is always z6Mk + 44 digits.
const ED25519_MULTIKEY = /^z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/;

const MODES = {sign, verify, bench, sign2020, verify2020, signJwt, verifyJwt};

async function main() {
  const request = JSON.parse(await readStdin());
  const run = MODES[request.mode];
  if(!run) {
    throw new TypeError(
      `"mode" must be one of ${Object.keys(MODES).join(', ')}, ` +
      `not ${JSON.stringify(request.mode)}.`);
  }
  process.stdout.write(JSON.stringify(await run(request)));
}

async function sign({credential, documents, publicKeyMultibase,
  secretKeyMultibase, created}) {
  required({credential, documents, publicKeyMultibase, secretKeyMultibase,
    created});
  const key = await issuerKey({publicKeyMultibase, secretKeyMultibase});
  return issue(credential, key, created, loader(documents));
}

async function verify({credential, documents, now, statusUnrevoked = false}) {
  required({credential, documents});
  const result = await check(credential, {
    documentLoader: loader(documents), now, statusUnrevoked});
  return {verified: result.verified, error: result.verified ?
    null : describe(result)};
}

async function bench({credential, documents, publicKeyMultibase,
  secretKeyMultibase, seconds, rounds = 3}) {
  required({credential, documents, publicKeyMultibase, secretKeyMultibase,
    seconds});
  const key = await issuerKey({publicKeyMultibase, secretKeyMultibase});
  const documentLoader = loader(documents);
  const created = new Date().toISOString();
  const signed = await issue(credential, key, created, documentLoader);
  // Status lists are not fetched on either side of the benchmark.
  const options = {documentLoader, statusUnrevoked: true};
  const verifyOnce = async () => {
    const result = await check(signed, options);
    if(!result.verified) {
      throw new Error(`The benchmark credential does not verify: ${
        describe(result)}`);
    }
  };
  const signOnce = () => issue(credential, key, created, documentLoader);
  return {
    signsPerSecond: await medianRate(signOnce, seconds, rounds),
    verifiesPerSecond: await medianRate(verifyOnce, seconds, rounds)
  };
}

async function sign2020({credential, documents, publicKeyMultibase,
  secretKeyMultibase, created}) {
  required({credential, documents, publicKeyMultibase, secretKeyMultibase,
    created});
  const key = await issuerKey({publicKeyMultibase, secretKeyMultibase});
  const suite = new Ed25519Signature2020({signer: key.signer(), date: created});
  return vc.issue({credential: structuredClone(credential), suite,
    documentLoader: loader(documents)});
}

async function verify2020({credential, documents, now}) {
  required({credential, documents});
  const result = await vc.verifyCredential({
    credential, documentLoader: loader(documents), now,
    checkStatus: async () => ({verified: true}),
    suite: new Ed25519Signature2020()
  });
  return {verified: result.verified, error: result.verified ?
    null : describe(result)};
}

async function signJwt({payload, kid, publicKeyMultibase, secretKeyMultibase}) {
  required({payload, kid, publicKeyMultibase, secretKeyMultibase});
  const key = await jose.importJWK(await jwk({publicKeyMultibase,
    secretKeyMultibase}), 'EdDSA');
  const jwt = await new jose.CompactSign(
    new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({alg: 'EdDSA', typ: 'JWT', kid})
    .sign(key);
  return {jwt};
}

async function verifyJwt({jwt, publicKeyMultibase}) {
  required({jwt, publicKeyMultibase});
  const key = await jose.importJWK(await jwk({publicKeyMultibase}), 'EdDSA');
  try {
    const {payload, protectedHeader} = await jose.compactVerify(jwt, key,
      {algorithms: ['EdDSA']});
    return {verified: true, header: protectedHeader,
      payload: JSON.parse(new TextDecoder().decode(payload)), error: null};
  } catch(e) {
    return {verified: false, error: e.code || e.message};
  }
}

async function jwk({publicKeyMultibase, secretKeyMultibase}) {
  const key = await Ed25519Multikey.from({
    id: 'urn:key', controller: 'urn:controller', publicKeyMultibase,
    secretKeyMultibase});
  return Ed25519Multikey.toJwk({keyPair: key, secretKey: !!secretKeyMultibase});
}

async function issuerKey({publicKeyMultibase, secretKeyMultibase}) {
  const controller = `did:key:${publicKeyMultibase}`;
  return Ed25519Multikey.from({
    id: `${controller}#${publicKeyMultibase}`, controller,
    publicKeyMultibase, secretKeyMultibase
  });
}

function issue(credential, key, created, documentLoader) {
  const suite = new DataIntegrityProof({
    signer: key.signer(), date: created, cryptosuite});
  return vc.issue({credential: structuredClone(credential), suite,
    documentLoader});
}

function check(credential, {documentLoader, now, statusUnrevoked}) {
  // Without `checkStatus` the library refuses any credential that has a
  // `credentialStatus`; the caller must say that it vouches for the status.
  const checkStatus = statusUnrevoked ?
    async () => ({verified: true}) : undefined;
  return vc.verifyCredential({
    credential, documentLoader, checkStatus, now,
    suite: new DataIntegrityProof({cryptosuite})
  });
}

function loader(documents) {
  return async url => {
    const document = await documentFor(url, documents);
    if(document === undefined) {
      throw new Error(
        `${url} is not among the request's documents; nothing is fetched.`);
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

async function documentFor(url, documents) {
  if(Object.hasOwn(documents, url)) {
    return documents[url];
  }
  const [base, fragment] = url.split('#');
  if(fragment !== undefined && Object.hasOwn(documents, base)) {
    return methodIn(documents[base], url);
  }
  if(url.startsWith('did:key:')) {
    return didKey(base, fragment);
  }
  return undefined;
}

function methodIn(didDocument, url) {
  const method = (didDocument.verificationMethod || []).find(
    m => m.id === url || didDocument.id + m.id === url);
  return method && {
    '@context': didDocument['@context'], ...method, id: url};
}

async function didKey(did, fragment) {
  const publicKeyMultibase = did.slice('did:key:'.length);
  if(!ED25519_MULTIKEY.test(publicKeyMultibase)) {
    throw new Error(`${did} is not an Ed25519 did:key.`);
  }
  if(fragment !== undefined && fragment !== publicKeyMultibase) {
    throw new Error(`${did} has no verification method #${fragment}.`);
  }
  const key = await Ed25519Multikey.from({
    id: `${did}#${publicKeyMultibase}`, controller: did, publicKeyMultibase});
  const method = await key.export({publicKey: true, includeContext: true});
  if(fragment !== undefined) {
    return method;
  }
  const {'@context': _, ...embedded} = method;
  return {
    '@context': DID_CONTEXT, id: did, verificationMethod: [embedded],
    assertionMethod: [method.id], authentication: [method.id]
  };
}

function describe(result) {
  const errors = [result.error, ...(result.results || []).map(r => r.error)]
    .flatMap(e => e?.errors || (e ? [e] : []));
  const messages = [...new Set(errors.map(e => e.message || String(e)))];
  return messages.join('; ') || 'not verified';
}

async function medianRate(operation, seconds, rounds) {
  for(let i = 0; i < 20; ++i) {
    await operation();
  }
  const rates = [];
  for(let round = 0; round < rounds; ++round) {
    let count = 0;
    const start = performance.now();
    let elapsed = 0;
    while(elapsed < seconds * 1000) {
      await operation();
      ++count;
      elapsed = performance.now() - start;
    }
    rates.push(count / (elapsed / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

function required(fields) {
  for(const [name, value] of Object.entries(fields)) {
    if(value === undefined || value === null) {
      throw new TypeError(`"${name}" is required.`);
    }
  }
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

main().catch(error => {
  process.stderr.write(`vc.mjs: ${error.stack || error}\n`);
  process.exitCode = 1;
});
