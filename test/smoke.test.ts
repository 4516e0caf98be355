import { of, lastValueFrom, map } from 'rxjs';
test('swc+esm works', async () => { expect(await lastValueFrom(of(1).pipe(map((x) => x + 1)))).toBe(2); });
