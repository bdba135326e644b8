"""The storage layer: the append-only event store, its schema and migrations, how its file is
opened, the hash chain that audits it, and the operational tables kept beside the log (polling
state, page retries). Every SQL statement of the project lives here or in a projection's own
module (`tracker.projections`); nothing above this layer touches a connection."""
