import { z } from 'zod';
import { withFields } from '../../src/entry.js';
import type { StepStage, SyncStep } from '../../src/engine/stage.js';
import { perEntrySync } from '../../src/engine/step.js';

const options = z.object({
  property: z.string().min(1).describe('STAC property each item must have, e.g. view:sun_elevation'),
  as: z.string().regex(/^[A-Za-z_]\w*$/).describe('Field the value is copied to, for filter and csv'),
}).strict();

/** `require_property`: drops items without the property, copies its value to a field. */
export const requireProperty: StepStage<typeof options, SyncStep> = {
  kind: 'step', name: 'require_property', summary: 'Drop items without a STAC property; copy its value to a field',
  example: 'require_property: { property: "view:sun_elevation", as: sun_elevation }\n',
  schema: options,
  create: ({ property, as }, ctx) => perEntrySync((entry) => {
    const value = entry.item.properties[property];
    return value === undefined || value === null ? ctx.drop(entry, `no ${property}`) : withFields(entry, { [as]: value });
  }),
};
