// Loader hooks of module-log.mjs: appends the URL of each module loaded (node: builtins excepted).
import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data.log;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('node:')) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}
