import fc from 'fast-check';
import { loadPackageDefinition, META_SERVICE } from '@fsmeta/proto';
import type { MethodDefinition, ServiceDefinition } from '@grpc/proto-loader';

/**
 * @fsmeta/proto's fast decimal path for 64-bit fields (packages/proto/src/long.ts):
 * every value of both signednesses encodes and decodes to the very string
 * BigInt arithmetic gives, fast path or not.
 */
const getAttr = (loadPackageDefinition()[META_SERVICE] as ServiceDefinition)['GetAttr'] as MethodDefinition<unknown, unknown>;

function roundTrip(attr: Record<string, unknown>): Record<string, unknown> {
  const bytes = getAttr.responseSerialize({ attr });
  return (getAttr.responseDeserialize(bytes) as { attr: Record<string, unknown> }).attr;
}

const uint64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 53n + 10n }), fc.bigInt({ min: 0n, max: 1000n }));
const int64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }));

test('uint64 and int64 fields round-trip exactly through the codec', () => {
  fc.assert(
    fc.property(uint64, uint64, int64, int64, (inode, length, mtime, atime) => {
      const back = roundTrip({ inode: inode.toString(), length: length.toString(), mtimeNs: mtime.toString(), atimeNs: atime.toString() });
      expect(back['inode']).toBe(inode.toString());
      expect(back['length']).toBe(length.toString());
      expect(back['mtimeNs']).toBe(mtime.toString());
      expect(back['atimeNs']).toBe(atime.toString());
    }),
    { numRuns: 5000 },
  );
});

test('decimal strings beyond 64 bits wrap modulo 2^64, as long.js does', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 2n ** 64n, max: 10n ** 20n - 1n }), (big) => {
      const back = roundTrip({ inode: big.toString(), mtimeNs: big.toString() });
      expect(back['inode']).toBe(BigInt.asUintN(64, big).toString());
      expect(back['mtimeNs']).toBe(BigInt.asIntN(64, big).toString());
    }),
  );
});

test('numbers, leading zeros and zero still convert', () => {
  expect(roundTrip({ inode: 42, length: '000123', mtimeNs: '0', atimeNs: -5 })).toMatchObject({ inode: '42', length: '123', mtimeNs: '0', atimeNs: '-5' });
});
