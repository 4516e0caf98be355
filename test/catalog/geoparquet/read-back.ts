import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';

/** Rows of a SQL query over Parquet files, by DuckDB (read_parquet, parquet_kv_metadata...), values as JSON. */
export async function duckdb(sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Column name to DuckDB type of a Parquet file. */
export async function duckdbTypes(path: string): Promise<Record<string, string>> {
  const rows = await duckdb(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
  return Object.fromEntries(rows.map((r) => [r.column_name as string, r.column_type as string]));
}

/** The file's key-value metadata, each value parsed as JSON. */
export async function kvMetadata(path: string): Promise<Record<string, any>> {
  const rows = await duckdb(`SELECT key::VARCHAR AS k, decode(value) AS v FROM parquet_kv_metadata('${path}')`);
  return Object.fromEntries(rows.map((r) => [r.k as string, JSON.parse(r.v as string)]));
}

/** Every row as objects, by hyparquet (a second reader, in JavaScript). */
export async function hyparquetRows(path: string): Promise<Array<Record<string, any>>> {
  return parquetReadObjects({ file: await asyncBufferFromFile(path) });
}
