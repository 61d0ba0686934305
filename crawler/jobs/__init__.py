"""Running crawls: runner, crawl lock, crash repair, run bookkeeping, schedule loop, re-parse."""
