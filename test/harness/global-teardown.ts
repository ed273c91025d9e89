export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __fsmetaStopDb?: () => Promise<void> }).__fsmetaStopDb?.();
}
