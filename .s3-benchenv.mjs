// ad-hoc (helper s3): keeps nginx + sandbox + objects up for profiling; removed afterwards
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { planObjects, writeObjects, parseObjectSpec } from './dist/bench/download-objects.js';
import { startNginx } from './dist/bench/nginx.js';
import { startChild } from './dist/bench/child.js';
import { benchPipelineYaml } from './dist/bench/download-tools.js';
const tmp = '/tmp/s3-benchenv';
await mkdir(tmp, { recursive: true }); await chmod(tmp, 0o755);
const COLLECTION = 'kaguya_terrain_camera_monoscopic_uncontrolled_observations';
const objects = planObjects(4, COLLECTION, parseObjectSpec(process.env.SMALL ?? '40x20MB', 's'), parseObjectSpec(process.env.LARGE ?? '2x500MB', 'l'));
await writeObjects(path.join(tmp, 'objects'), objects);
const nginx = await startNginx({ root: path.join(tmp, 'objects'), dir: path.join(tmp, 'nginx'), workers: 2 });
const started = await startChild('sandbox-process', { seed: 4, collections: [{ id: COLLECTION, items: objects.length }], s3: { enabled: false } });
const budget = { transfers: 16, maxRequests: 16, streams: 4, rcloneCutoff: '250M', multipartThreshold: '64MiB', partSize: '16MiB' };
for (const [name, ep] of [['https', nginx.httpsEndpoint], ['http', nginx.endpoint]]) {
  await writeFile(path.join(tmp, `${name}.yaml`), benchPipelineYaml({ api: started.ready.url, collection: COLLECTION, items: objects.length, s3Endpoint: ep, dest: path.join(tmp, 'dest'), csv: path.join(tmp, 'out.csv'), budget }));
}
await writeFile(path.join(tmp, 'endpoints.json'), JSON.stringify({ https: nginx.httpsEndpoint, http: nginx.endpoint, bucket: objects[0].bucket }));
await writeFile(path.join(tmp, 'list.txt'), objects.map((o) => `${o.key}\n`).join(''));
console.log('ready');
process.on('SIGTERM', async () => { started.child.kill('SIGTERM'); await nginx.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
