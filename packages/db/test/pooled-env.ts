// The `pooled` project's processes reach PostgreSQL through PgBouncer in transaction mode (pooled-global-setup.ts):
// no start-up parameters, the database's default timeouts. Spawned API and worker processes inherit it.
process.env.DATABASE_POOL_MODE = "transaction";
