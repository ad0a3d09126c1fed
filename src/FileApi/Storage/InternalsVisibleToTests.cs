using System.Runtime.CompilerServices;

// The storage tests check list paging, version erasure, the key cache and the virtual-host URL style through
// internals (a small page size, a test transport, a stand-in credential, a fake clock) that the API must not
// depend on; the database tests give the data source a stand-in credential the same way.
[assembly: InternalsVisibleTo("FileApi.Tests")]
