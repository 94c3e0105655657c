// The DCC verifier (@digitalcredentials/verifier-core) checking one credential with a known DID registry:
// one JSON request on stdin, its verification response on stdout.
//
// Request: {credential, registries: [{name, type: 'dcc-legacy', url}], documents?: {url: json}, http?: origin}
//
// verifier-core fetches with the global fetch: did:web documents over https (did-method-web), status lists,
// remote contexts and the registries. The test server speaks plain http on 127.0.0.1, so for the origin given
// as `http` an https request is sent over http instead (what a TLS-terminating proxy would do in front of the
// service); `documents` answers the contexts our credentials use that the DCC loader does not bundle; every
// other address is refused, so nothing leaves the machine.
async function main() {
  console.log = (...args) => process.stderr.write(args.join(' ') + '\n');  // stdout is the answer
  const request = JSON.parse(await readStdin());
  const {credential, registries, documents = {}, http} = request;
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : (input.url ?? String(input));
    if(Object.hasOwn(documents, url)) {
      return new Response(JSON.stringify(documents[url]),
        {status: 200, headers: {'content-type': 'application/ld+json'}});
    }
    const local = http && url.replace(/^https:/, 'http:');
    if(http && local.startsWith(http + '/')) {
      return realFetch(local, typeof input === 'string' ? init : {
        method: input.method, headers: input.headers});
    }
    return new Response('not served in the interop test', {status: 404});
  };
  const {verifyCredential} = await import('@digitalcredentials/verifier-core');
  const result = await verifyCredential({credential, knownDIDRegistries: registries});
  process.stdout.write(JSON.stringify(result, (key, value) =>
    key === 'stackTrace' ? String(value) : value));
}

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', chunk => data += chunk);
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
}

main().catch(error => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
