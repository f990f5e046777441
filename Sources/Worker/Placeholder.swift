// The worker agent (poll, heartbeat, run, spool) lands with the worker issue; this target
// exists so that the package layout and its dependencies are fixed from the start.
enum WorkerLibrary {}
