import { ByteWriter } from 'hyparquet-writer';
import { TempOutputFile } from '../../util/temp-output-file.js';

/**
 * hyparquet-writer's byte writer, emptied into an output file after each row group (its `flush`, awaited by
 * writer.ts before it encodes the next group): memory holds one encoded row group at most.
 */
export class FileSink extends ByteWriter {
  readonly file: TempOutputFile<Uint8Array>;

  constructor(path: string) {
    super(1 << 20);
    this.file = new TempOutputFile<Uint8Array>(path);
  }

  flush(): Promise<void> {
    if (this.index === 0) return Promise.resolve();
    const chunk = new Uint8Array(this.buffer.slice(0, this.index)); // a copy: the buffer is reused at once
    this.index = 0;
    return this.file.write(chunk);
  }

  /** Writes what is left; the caller then finishes (renames) or aborts the file. */
  override finish(): Promise<void> {
    return this.flush();
  }
}
