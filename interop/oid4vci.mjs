// A wallet app receiving a credential by OpenID4VCI (pre-authorized code
// flow), driven by the Sphereon client (@sphereon/oid4vci-client), which we
// did not write. One JSON request on stdin, one JSON answer on stdout.
//
// Request: {offerUri, txCode?, keyBy?: "kid" | "jwk"}
//   offerUri  openid-credential-offer://?credential_offer=...
//   txCode    the transaction code shown to the holder, when the offer asks
//   keyBy     how the proof names the holder's key: a did:key URL in `kid`
//             (default) or the public key as `jwk`
// Answer: {holder, credential, issuer, configurationIds, tokenType}
//   holder    the did:key whose Ed25519 key (made here) signed the proof
//
// The proof of possession is a JWT (typ openid4vci-proof+jwt, EdDSA) signed by
// `jose` with a key generated for this run; the Sphereon client builds its
// header and claims (aud, iat, nonce from the issuer's nonce endpoint).
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {OpenID4VCIClient} from '@sphereon/oid4vci-client';
import * as jose from 'jose';

async function main() {
  const {offerUri, txCode, keyBy = 'kid'} = JSON.parse(await readStdin());
  if(typeof offerUri !== 'string') {
    throw new TypeError('"offerUri" must be a string.');
  }
  const {publicKey, privateKey} = await jose.generateKeyPair(
    'EdDSA', {crv: 'Ed25519', extractable: true});
  const jwk = await jose.exportJWK(publicKey);
  const multikey = await Ed25519Multikey.fromJwk({jwk});
  const holder = `did:key:${multikey.publicKeyMultibase}`;
  const kid = `${holder}#${multikey.publicKeyMultibase}`;

  const client = await OpenID4VCIClient.fromURI({
    uri: offerUri, retrieveServerMetadata: true});
  const token = await client.acquireAccessToken(
    txCode === undefined ? {} : {pin: txCode});
  const signCallback = async ({header, payload}) => {
    return new jose.SignJWT(payload).setProtectedHeader(header)
      .sign(privateKey);
  };
  const response = await client.acquireCredentials({
    credentialTypes: 'OpenBadgeCredential', format: 'ldp_vc', alg: 'EdDSA',
    proofCallbacks: {signCallback},
    ...(keyBy === 'jwk' ? {jwk} : {kid})
  });
  const credential = response.credential ??
    response.credentials?.[0]?.credential;
  process.stdout.write(JSON.stringify({
    holder, credential, issuer: client.getIssuer(),
    configurationIds:
      client.credentialOffer?.credential_offer?.credential_configuration_ids,
    tokenType: token.token_type
  }));
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

main().catch(error => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
