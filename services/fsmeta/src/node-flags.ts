/**
 * The Node.js flags a replica runs with (docs/operations.md, "Runtime"). A
 * replica's work is short-lived garbage: rows parsed from PostgreSQL, 64-bit
 * values converted, messages encoded. With V8's default young generation
 * (16 MiB semi-spaces) a Readdir of 1,000 entries spends about a quarter of
 * its CPU in scavenges; 64 MiB halves its CPU per call (docs/benchmarks.md).
 * The cost is up to about 128 MiB more resident memory at peak.
 *
 * Node cannot take these after start, so each launcher repeats them: the
 * `start` script, deploy/Dockerfile's ENTRYPOINT and the benchmark's server
 * processes (test/ops/dockerfile.test.ts checks that they agree).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
