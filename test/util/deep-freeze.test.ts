import { deepFreeze } from '../../src/util/deep-freeze.js';

describe('deepFreeze', () => {
  it('freezes plain objects and arrays all the way down, and the values of a Map', () => {
    const shared = { a: [1, { b: 2 }] };
    const value = deepFreeze({ one: shared, two: shared, list: [[{ c: 3 }]], map: new Map([['k', { d: 4 }]]) });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.one.a[1])).toBe(true);
    expect(Object.isFrozen(value.list[0]![0])).toBe(true);
    expect(Object.isFrozen(value.map.get('k'))).toBe(true);
    expect(() => {
      'use strict';
      (value.one.a[1] as { b: number }).b = 5;
    }).toThrow(TypeError);
  });

  it('leaves class instances (Date, URL, Buffer) as they are', () => {
    const value = deepFreeze({ when: new Date(0), where: new URL('https://example.com/'), bytes: Buffer.from('x') });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.when)).toBe(false);
    expect(Object.isFrozen(value.where)).toBe(false);
    expect(Object.isFrozen(value.bytes)).toBe(false);
  });

  it('walks nesting far deeper than the stack would allow a recursion', () => {
    let deep: unknown[] = [];
    const root = deep;
    for (let i = 0; i < 200_000; i += 1) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    deepFreeze(root);
    expect(Object.isFrozen(deep)).toBe(true);
  });
});
