import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { StacflowError } from '../errors.js';

/**
 * The CAs an S3 connection trusts. By default Node's own: its Mozilla roots plus NODE_EXTRA_CA_CERTS, which Node
 * itself applies (undefined here: nothing to pass). With AWS_CA_BUNDLE set (the AWS CLI's variable: a PEM file,
 * e.g. a company proxy's CA or a test certificate), that file is trusted besides them. Passing `ca` to TLS replaces
 * Node's store, so the roots and NODE_EXTRA_CA_CERTS are listed again with it.
 */
export function trustedCertificates(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const bundle = env.AWS_CA_BUNDLE;
  if (!bundle) return undefined;
  const files = [env.NODE_EXTRA_CA_CERTS, bundle].filter((file): file is string => Boolean(file));
  const key = files.join('\n');
  // The same list for the same files: TLS contexts are made once per list (secureContextFor).
  if (lastList?.key !== key) lastList = { key, certificates: Object.freeze([...tls.rootCertificates, ...files.map(readPem)]) as string[] };
  return lastList.certificates;
}

let lastList: { key: string; certificates: string[] } | undefined;
const contexts = new WeakMap<string[], tls.SecureContext>();

/**
 * One TLS context per CA list, shared by every S3 transport of the process: making one parses every
 * certificate (~280 with a bundle beside Node's roots, tens of ms of CPU each time).
 */
export function secureContextFor(ca: string[]): tls.SecureContext {
  let context = contexts.get(ca);
  if (!context) {
    context = tls.createSecureContext({ ca });
    contexts.set(ca, context);
  }
  return context;
}

function readPem(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new StacflowError('ERR_S3_CA_BUNDLE', `cannot read the CA bundle ${file} (AWS_CA_BUNDLE or NODE_EXTRA_CA_CERTS): ${(err as Error).message}; fix the path or unset the variable`, { cause: err, errorClass: 'fatal' });
  }
}
