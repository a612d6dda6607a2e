// Preloaded with `node --import bench/rss-probe.mjs …` into a measured process: on exit, write its
// peak resident set size (getrusage ru_maxrss, KiB on Linux) to stderr for the benchmark to read.
process.on('exit', () => {
  process.stderr.write(`__peak_rss_kib=${process.resourceUsage().maxRSS}\n`);
});
