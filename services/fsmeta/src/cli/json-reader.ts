import { Tokenizer, TokenType } from '@streamparser/json';
import * as fs from 'node:fs';

/**
 * A pull reader of JSON tokens over a file or stream, in bounded memory: the
 * maintained @streamparser/json tokenizer turns each 64 KiB read into tokens,
 * and the caller walks them with next()/value(), so a dump of any size is
 * decoded one entry at a time. Numbers stay decimal strings (inodes pass 2^53).
 */

class BigNumberTokenizer extends Tokenizer {
  protected override parseNumber(numberStr: string): number {
    return numberStr as unknown as number;
  }
}

export type Token =
  | { t: 'begin-object' | 'end-object' | 'begin-array' | 'end-array' }
  | { t: 'key'; v: string }
  | { t: 'value'; v: string | boolean | null; number: boolean };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export class JsonFormatError extends Error {}

export class JsonReader {
  private tokens: Token[] = [];
  private pos = 0;
  private done = false;
  /** Open containers: objects alternate key, value; arrays hold values. */
  private readonly stack: { obj: boolean; wantKey: boolean }[] = [];
  private readonly tokenizer = new BigNumberTokenizer();
  private readonly chunks: AsyncIterator<Buffer>;
  /** Bytes read so far (progress). */
  bytesRead = 0;

  constructor(input: NodeJS.ReadableStream) {
    this.chunks = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.tokenizer.onToken = ({ token, value }) => {
      const top = this.stack[this.stack.length - 1];
      switch (token) {
        case TokenType.LEFT_BRACE:
          this.tokens.push({ t: 'begin-object' });
          this.stack.push({ obj: true, wantKey: true });
          return;
        case TokenType.LEFT_BRACKET:
          this.tokens.push({ t: 'begin-array' });
          this.stack.push({ obj: false, wantKey: false });
          return;
        case TokenType.RIGHT_BRACE:
        case TokenType.RIGHT_BRACKET:
          this.tokens.push({ t: token === TokenType.RIGHT_BRACE ? 'end-object' : 'end-array' });
          this.stack.pop();
          this.valueDone();
          return;
        case TokenType.COLON:
          if (top !== undefined) top.wantKey = false;
          return;
        case TokenType.COMMA:
          return;
        case TokenType.STRING:
          if (top?.obj === true && top.wantKey) {
            this.tokens.push({ t: 'key', v: value as string });
            return;
          }
          this.tokens.push({ t: 'value', v: value as string, number: false });
          this.valueDone();
          return;
        case TokenType.NUMBER:
          this.tokens.push({ t: 'value', v: value as unknown as string, number: true });
          this.valueDone();
          return;
        default:
          this.tokens.push({ t: 'value', v: value as boolean | null, number: false });
          this.valueDone();
      }
    };
  }

  static fromFile(path: string): JsonReader {
    return new JsonReader(fs.createReadStream(path, { highWaterMark: 64 * 1024 }));
  }

  /** In an object, a key comes next once a value ended. */
  private valueDone(): void {
    const top = this.stack[this.stack.length - 1];
    if (top?.obj === true) top.wantKey = true;
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.tokens.length) {
      if (this.done) return false;
      this.tokens = [];
      this.pos = 0;
      const next = await this.chunks.next();
      if (next.done === true) {
        this.done = true;
        if (!this.tokenizer.isEnded) {
          try {
            this.tokenizer.end();
          } catch (err) {
            throw new JsonFormatError(`not valid JSON at the end: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        return this.tokens.length > 0;
      }
      this.bytesRead += next.value.length;
      try {
        this.tokenizer.write(next.value);
      } catch (err) {
        throw new JsonFormatError(`not valid JSON near byte ${this.bytesRead}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return true;
  }

  async next(): Promise<Token> {
    if (this.pos >= this.tokens.length && !(await this.fill())) throw new JsonFormatError('unexpected end of input');
    return this.tokens[this.pos++]!;
  }

  async peek(): Promise<Token | undefined> {
    if (this.pos >= this.tokens.length && !(await this.fill())) return undefined;
    return this.tokens[this.pos];
  }

  async expect(t: Token['t'], where: string): Promise<Token> {
    const tok = await this.next();
    if (tok.t !== t) throw new JsonFormatError(`${where}: expected ${t}, found ${describe(tok)}`);
    return tok;
  }

  /** The next key of the current object, or undefined at its end (consumed). */
  async key(where: string): Promise<string | undefined> {
    const tok = await this.next();
    if (tok.t === 'end-object') return undefined;
    if (tok.t !== 'key') throw new JsonFormatError(`${where}: expected a key, found ${describe(tok)}`);
    return tok.v;
  }

  /**
   * A whole value (object, array or primitive) built in memory: only for small
   * parts of a dump. Numbers are decimal strings, or with `numbers` JS numbers
   * (for settings kept as they are).
   */
  async value(numbers = false): Promise<JsonValue> {
    const tok = await this.next();
    switch (tok.t) {
      case 'value':
        return numbers && tok.number ? (Number(tok.v) as unknown as JsonValue) : tok.v;
      case 'begin-array': {
        const out: JsonValue[] = [];
        for (;;) {
          const p = await this.peek();
          if (p?.t === 'end-array') {
            await this.next();
            return out;
          }
          out.push(await this.value(numbers));
        }
      }
      case 'begin-object': {
        const out: { [k: string]: JsonValue } = {};
        for (;;) {
          const k = await this.key('object');
          if (k === undefined) return out;
          out[k] = await this.value(numbers);
        }
      }
      default:
        throw new JsonFormatError(`unexpected ${describe(tok)}`);
    }
  }

  /** Skips one value of any size without building it. */
  async skip(): Promise<void> {
    let depth = 0;
    do {
      const tok = await this.next();
      if (tok.t === 'begin-object' || tok.t === 'begin-array') depth++;
      else if (tok.t === 'end-object' || tok.t === 'end-array') depth--;
    } while (depth > 0);
  }
}

function describe(tok: Token): string {
  return tok.t === 'key' ? `key "${tok.v}"` : tok.t === 'value' ? `value ${JSON.stringify(tok.v)}` : tok.t;
}
