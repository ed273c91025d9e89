import { updateAtime } from '../store/nodes';
import type { MetaDeps } from './deps';
import type { Attr } from './types';
import { nowNs } from './types';

const DAY_NS = 86_400_000_000_000n;
const SECOND_NS = 1_000_000_000n;

/**
 * Whether a read should update atime (utils.go atimeNeedsUpdate): never with
 * noatime; relatime when atime is older than mtime or ctime, or a day old;
 * strictatime also when it is more than a second old.
 */
export function atimeNeedsUpdate(mode: MetaDeps['options']['atimeMode'], attr: Attr, now: bigint): boolean {
  if (mode === 'noatime') return false;
  const relatime = attr.atimeNs < attr.mtimeNs || attr.atimeNs < attr.ctimeNs || now - attr.atimeNs > DAY_NS;
  return relatime || (mode === 'strictatime' && now - attr.atimeNs > SECOND_NS);
}

/** Updates atime after a read when the mode asks for it; the rule is re-checked in SQL against the current row. */
export async function touchAtime(deps: MetaDeps, attr: Attr): Promise<void> {
  const mode = deps.options.atimeMode;
  const now = nowNs();
  if (!atimeNeedsUpdate(mode, attr, now)) return;
  await updateAtime(deps.db.reader, attr.inode, now, DAY_NS, mode === 'strictatime' ? SECOND_NS : undefined);
  deps.db.committed();
  attr.atimeNs = now;
}
