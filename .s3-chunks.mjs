import { objectStream, closeS3Clients } from './dist/src/s3/client.js';
const ep = JSON.parse(await (await import('node:fs/promises')).readFile('/tmp/s3-benchenv/endpoints.json', 'utf8'));
const list = (await (await import('node:fs/promises')).readFile('/tmp/s3-benchenv/list.txt', 'utf8')).split('\n');
for (const proto of ['https', 'http']) {
  const settings = { region: 'us-west-2', anonymous: true, endpoint: ep[proto] };
  const s = await objectStream(settings, `s3://${ep.bucket}/${list[10]}`);
  const hist = new Map(); let n = 0;
  const t0 = Date.now(); const c0 = process.cpuUsage();
  s.body.on('data', (c) => { const k = 2 ** Math.ceil(Math.log2(c.length)); hist.set(k, (hist.get(k) || 0) + 1); n += c.length; });
  await new Promise((r) => s.body.on('end', r));
  const c = process.cpuUsage(c0);
  console.log(proto, n, 'ms', Date.now() - t0, 'cpu', (c.user + c.system) / 1000, [...hist].sort((a, b) => a[0] - b[0]));
}
closeS3Clients();
