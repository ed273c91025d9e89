import { META_SERVICE, loadPackageDefinition } from '@fsmeta/proto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expand, methodOf, runLoad, summary, type GhzConfig } from '../load/ghz';
import { startEnv, type TestEnv } from '../harness/server';

/**
 * Every ghz config in deploy/ghz names a real method, its data decodes as that method's request
 * (no unknown or misspelt field, bytes in base64, 64-bit values as decimal strings), and it runs
 * against a server through `pnpm load`'s generator with every call OK.
 */

const DIR = path.resolve(__dirname, '../../deploy/ghz');
const CONFIGS = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

interface Field {
  name: string;
  type: string;
  typeName: string;
  label: string;
}
type Def = Record<string, { type?: { field: Field[] }; requestType?: { type: { name: string } } }>;

/** Problems with `data` as a message `typeName` (proto field names, as ghz takes them). */
function problems(def: Def, typeName: string, data: unknown, at: string): string[] {
  const type = (def[typeName] ?? def[`fsmeta.v1.${typeName}`] ?? def[`google.rpc.${typeName}`])?.type;
  if (type === undefined) return [`${at}: unknown type ${typeName}`];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [`${at}: not an object`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(data)) {
    // The loader's descriptors carry camelCase names; ghz takes proto names or JSON names.
    const f = type.field.find((x) => x.name === k || x.name === k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
    if (f === undefined) {
      out.push(`${at}.${k}: no such field in ${typeName}`);
      continue;
    }
    if (f.type === 'TYPE_MESSAGE') out.push(...problems(def, f.typeName.replace(/^\./, ''), v, `${at}.${k}`));
    else if (f.type === 'TYPE_BYTES' && (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))) out.push(`${at}.${k}: bytes must be base64`);
    else if (['TYPE_UINT64', 'TYPE_INT64'].includes(f.type) && (typeof v !== 'string' || !/^-?\d+$/.test(expand(v, { '.RequestNumber': '1' }) as string))) out.push(`${at}.${k}: 64-bit values are decimal strings`);
    else if (['TYPE_UINT32', 'TYPE_INT32'].includes(f.type) && typeof v !== 'number') out.push(`${at}.${k}: not a number`);
    else if (f.type === 'TYPE_STRING' && typeof v !== 'string') out.push(`${at}.${k}: not a string`);
  }
  return out;
}

let env: TestEnv;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(() => env.stop());

it('there are configs for the RPCs worth loading', () => {
  expect(CONFIGS).toEqual(expect.arrayContaining(['getattr.json', 'lookup.json', 'readdir.json', 'statfs.json', 'setattr.json', 'heartbeat.json', 'newsession.json']));
});

describe.each(CONFIGS)('deploy/ghz/%s', (file) => {
  const config = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as GhzConfig;

  it('names a method of fsmeta.v1.Meta and its data decodes as the request', () => {
    const def = loadPackageDefinition() as unknown as Def & Record<string, Record<string, { requestType: { type: { name: string } }; requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): unknown }>>;
    const method = methodOf(config.call);
    const m = (def[META_SERVICE] as unknown as Record<string, { requestType: { type: { name: string } }; requestSerialize(v: unknown): Buffer; requestDeserialize(b: Buffer): Record<string, unknown> }>)[method];
    expect(m).toBeDefined();
    expect(problems(def, `fsmeta.v1.${m!.requestType.type.name}`, config.data ?? {}, 'data')).toEqual([]);
    const data = expand(config.data ?? {}, { '.RequestNumber': '7', '.WorkerID': '1', '.TimestampUnixNano': '1' }) as Record<string, unknown>;
    const back = m!.requestDeserialize(m!.requestSerialize(data));
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'object') expect(Buffer.isBuffer(back[k]) ? (back[k] as Buffer).toString('base64') : back[k]).toEqual(v);
    }
    expect(config.host).toMatch(/^[\w.-]+:\d+$/);
    expect(config.insecure).toBe(true);
  });

  it('runs through pnpm load with every call OK', async () => {
    const result = await runLoad({ ...config, host: env.servers[0]!.address }, { total: 24, concurrency: 3 });
    expect([...result.errors.keys()]).toEqual([]);
    expect(result.statuses).toEqual(new Map([['OK', 24]]));
    const text = summary(result);
    for (const s of ['Summary:', 'Count:\t24', 'Requests/sec:', 'Response time histogram:', '99 % in', '[OK]\t24 responses']) expect(text).toContain(s);
  });
});
