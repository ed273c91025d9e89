import * as protobuf from 'protobufjs';

/**
 * Faster decimal conversions for the 64-bit integers that travel as strings
 * (LOADER_OPTIONS.longs = String): protobufjs turns each such field into a
 * long.js Long on encode (Long.fromValue of the string) and back into a string
 * on decode (Long.prototype.toString). long.js does both with 64-bit
 * multiplications and divisions in software, about 0.6 µs per value on this
 * machine; an Attr has eight such fields and a page of 1,000 entries thousands.
 * Digit strings and non-negative values in base 10 take a fast path here
 * (exact doubles below 2^53, BigInt above), with results identical to long.js
 * (wrapping modulo 2^64 as long.js does); everything else goes to long.js.
 * Installed once, by @fsmeta/proto, for every user of its loader.
 */
interface LongValue {
  low: number;
  high: number;
  unsigned: boolean;
}

interface LongClass {
  fromValue(value: unknown, unsigned?: boolean): LongValue;
  fromBits(low: number, high: number, unsigned?: boolean): LongValue;
  prototype: { toString(this: LongValue, radix?: number): string; [FAST]?: true };
}

const FAST = Symbol.for('fsmeta.fastLong');
const DIGITS = /^\d{1,20}$/;
const TWO_32 = 4294967296;
/** Values below 2^53 have an exact double: their high word is below 2^21. */
const EXACT_HIGH = 0x200000;

/** The decimal digits `s` as long.js's fromString would give them (modulo 2^64), always a new Long. */
function fromDigits(L: LongClass, s: string, unsigned: boolean): LongValue {
  if (s.length <= 15) {
    const n = Number(s);
    return L.fromBits(n % TWO_32 | 0, (n / TWO_32) | 0, unsigned);
  }
  const big = BigInt(s);
  const bits = unsigned ? BigInt.asUintN(64, big) : BigInt.asIntN(64, big);
  return L.fromBits(Number(bits & 0xffffffffn) | 0, Number((bits >> 32n) & 0xffffffffn) | 0, unsigned);
}

export function installFastLong(L: LongClass | undefined = protobuf.util.Long as unknown as LongClass | undefined): void {
  if (L === undefined || L === null || L.prototype[FAST] === true) return;
  const fromValue = L.fromValue;
  const toString = L.prototype.toString;
  L.fromValue = function fastFromValue(value: unknown, unsigned?: boolean): LongValue {
    if (typeof value === 'string' && DIGITS.test(value)) return fromDigits(L, value, unsigned === true);
    return fromValue.call(this, value, unsigned);
  };
  L.prototype.toString = function fastToString(this: LongValue, radix?: number): string {
    if ((radix === undefined || radix === 10) && (this.unsigned || this.high >= 0)) {
      const high = this.high >>> 0;
      const low = this.low >>> 0;
      return high < EXACT_HIGH ? String(high * TWO_32 + low) : ((BigInt(high) << 32n) | BigInt(low)).toString();
    }
    return toString.call(this, radix);
  };
  L.prototype[FAST] = true;
}
