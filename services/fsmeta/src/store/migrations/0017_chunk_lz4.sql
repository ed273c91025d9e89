-- Chunk blobs compressed with LZ4 instead of pglz. Every Write, Truncate and hole record appends
-- to its chunk's blob, and PostgreSQL compresses the whole new value each time (a value over
-- 2 KiB, about 85 records): with pglz an append to a 1,000-record chunk cost about six times one
-- to a short one, with LZ4 under twice (docs/benchmarks.md, "Chunk blobs in LZ4"). Values already
-- stored keep their compression until next rewritten; reads decompress either.
--
-- A PostgreSQL built without LZ4 (some embedded builds) refuses the method: there the blobs are
-- stored uncompressed instead (STORAGE EXTERNAL), which is still cheaper to append to than pglz.
do $$
begin
  alter table chunk alter column slices set compression lz4;
exception when feature_not_supported then
  alter table chunk alter column slices set storage external;
end $$;
