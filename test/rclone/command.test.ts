import { spawnSync } from 'node:child_process';
import { DEFAULT_REMOTE, RCLONE_CONFIG, rcloneCopyArgv, shellLine, shellQuote } from '../../src/rclone/command.js';
import { PACKAGE_ROOT } from '../../src/package-root.js';

const LIST = '/tmp/out/kaguyatc_images_to_download.astrogeo-ard.files.txt';

describe('rcloneCopyArgv', () => {
  it('is the packaged remote\'s copy command, as the issue spells it, reading the listed keys directly', () => {
    expect(RCLONE_CONFIG).toBe(`${PACKAGE_ROOT}/config/rclone.conf`);
    expect(rcloneCopyArgv({ remote: DEFAULT_REMOTE, bucket: 'astrogeo-ard', list: LIST, dest: 'data', region: 'us-west-2' })).toEqual([
      'rclone', 'copy', '--config', RCLONE_CONFIG, '--files-from', LIST, 's3_noauth:astrogeo-ard', 'data', '--transfers', '16', '--no-traverse',
    ]);
  });

  it('adds --s3-region for a bucket in another region', () => {
    expect(rcloneCopyArgv({ remote: 's3_noauth', bucket: 'b', list: LIST, dest: 'data', region: 'eu-central-1' }).slice(-2)).toEqual(['--s3-region', 'eu-central-1']);
  });

  it('points the remote at an S3-compatible endpoint, path-style', () => {
    expect(rcloneCopyArgv({ remote: 's3_noauth', bucket: 'b', list: LIST, dest: 'data', region: 'eu-central-1', endpoint: 'http://127.0.0.1:9000' }).slice(11)).toEqual([
      '--s3-provider', 'Other', '--s3-endpoint', 'http://127.0.0.1:9000',
    ]);
  });

  it('leaves --config out for a remote of the user\'s own rclone config', () => {
    expect(rcloneCopyArgv({ remote: 'my_aws', bucket: 'b', list: LIST, dest: 'data', region: 'eu-central-1' })).toEqual([
      'rclone', 'copy', '--files-from', LIST, 'my_aws:b', 'data', '--transfers', '16', '--no-traverse',
    ]);
  });
});

describe('shellQuote', () => {
  it('leaves plain words as they are and single-quotes the rest', () => {
    expect(shellQuote('s3_noauth:astrogeo-ard')).toBe('s3_noauth:astrogeo-ard');
    expect(shellQuote('/a/b-c_d.e/f@g%h+i=j,k')).toBe('/a/b-c_d.e/f@g%h+i=j,k');
    expect(shellQuote('my data')).toBe("'my data'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });

  it('gives a line that sh splits back into the same words', () => {
    const words = ['plain', 'with space', "it's", '$HOME', '`x`', 'a"b', '~', '*', 'new\nline', 'semi;colon', ''];
    const result = spawnSync('sh', ['-c', `for w in ${shellLine(words)}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' });
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(words);
  });
});
