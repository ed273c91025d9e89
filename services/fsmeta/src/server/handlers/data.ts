import type { Meta } from '../../meta';
import type { MetaImpl } from './types';

/** Data path RPCs (Open, Close, NewSlices, Read, Write, ...). */
export function dataHandlers(meta: Meta): MetaImpl {
  void meta;
  return {};
}
