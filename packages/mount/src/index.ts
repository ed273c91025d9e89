export { mount, VERSION, type MountConfig, type Mounted } from './mount';
export { LocalStore, blockKey, blocksOf, type ObjectStore } from './store';
export { CHUNK_SIZE } from './data';
