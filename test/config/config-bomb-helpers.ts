/** The "billion laughs" in YAML: ten levels of nine aliases, 10^9 values once expanded. */
export function aliasBomb(where: 'option' | 'name'): string {
  const levels = ['&a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i += 1) levels.push(`&a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  const bomb = `[${levels.join(', ')}]`;
  return [
    `name: ${where === 'name' ? bomb : 'bomb'}`,
    'source:',
    '  stac_search:',
    '    api: "http://127.0.0.1:1/"',
    `    collections: ${where === 'option' ? bomb : '[a]'}`,
    'outputs:',
    '  - csv: { path: out.csv }',
    '',
  ].join('\n');
}

