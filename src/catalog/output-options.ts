import { z } from 'zod';

/** The options every catalog output shares (csv, ndjson, geojson, geoparquet): where it goes. */
export const outputPathOption = z
  .string()
  .min(1)
  .describe('File to write (directories are created), replaced only when the run completes; `-` is standard output; an existing FIFO or device (/dev/stdout) is written in place');

/** The options of an output whose rows are STAC Items (ndjson, geojson). */
export const itemCatalogOptions = (what: string) =>
  z
    .object({
      path: outputPathOption,
      include_failed: z
        .boolean()
        .default(true)
        .describe('Write failed entries too, with their failures under properties["stacflow:failures"]; false leaves them out'),
    })
    .strict()
    .describe(what);
