import { installSessionSqlTripwire } from "../src/testing/session-sql";

// Every integration test's pooled connections refuse session-level SQL (packages/db/src/testing/session-sql.ts): what
// would break behind a pooler in transaction mode fails in whichever suite sends it, though only the session-sensitive
// suites run through a real PgBouncer (the `pooled` project, issue 63).
installSessionSqlTripwire();
