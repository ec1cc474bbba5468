/** This package's version, sent with its name as `x-gatehouse-integration: langchain/<version>`. Kept equal to package.json by a test. */
export const VERSION = "0.1.0";

/** What every client this package uses names itself as. */
export const INTEGRATION = `langchain/${VERSION}`;
