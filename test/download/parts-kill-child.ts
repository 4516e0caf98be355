/**
 * The child process of killed-parts.test.ts: runs the `download` step for one item, as a pipeline run does,
 * in ranged parts, then exits. Argv: the item's JSON file, the download folder, the S3 endpoint, the part size
 * in bytes. Run with `node --import tsx`; the test kills it with SIGKILL mid-download, then runs it again.
 */
import { readFile } from 'node:fs/promises';
import { from, lastValueFrom } from 'rxjs';
import { download, downloadOptions } from '../../operators/download.js';
import { newEntry, type StacItem } from '../../src/entry.js';
import { closeS3Clients } from '../../src/s3/client.js';
import { TEST_LIMITS, stepOf, testContext } from '../helpers/context.js';

const [itemFile, dir, endpoint, partSize] = process.argv.slice(2);
const item = JSON.parse(await readFile(itemFile, 'utf8')) as StacItem;
const ctx = testContext('download', { s3: { region: 'us-west-2', anonymous: true, endpoint, limits: TEST_LIMITS } });
const options = downloadOptions.parse({ assets: ['image'], to: `${dir}/{id}.tif`, multipart_threshold: Number(partSize), part_size: Number(partSize), max_requests: 4 });
const entry = await lastValueFrom(from([newEntry(item)]).pipe(stepOf(download, options, ctx)));
closeS3Clients();
process.stdout.write(`${JSON.stringify({ file: entry.files.image ?? null, failures: entry.failures, counters: ctx.stats.stage('download').counters })}\n`);
