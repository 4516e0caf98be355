// Whether Docker leaves a path of the build context out, by the rules of .dockerignore (moby/patternmatcher):
// patterns are matched from the context's root (`node_modules` is the top one only, `**/node_modules` any),
// `*` and `?` within a path segment, `**` across segments; a pattern that matches a directory leaves out what
// is inside it; `!` brings a path back; the last pattern that matches wins.
export function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, regex: patternRegex(pattern) };
    });
  return (file) => {
    const parts = file.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
    // The path and each directory above it: `deploy/*` leaves out deploy/docker/entrypoint.sh through deploy/docker.
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (candidates.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negated;
    return excluded;
  };
}

function patternRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` is any number of directories (none included); a final `**` anything.
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
