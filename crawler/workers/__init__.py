"""Work off the reactor thread: page-analysis processes, the store writer, child-process helper."""
