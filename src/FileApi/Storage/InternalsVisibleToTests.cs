using System.Runtime.CompilerServices;

// The storage tests check the SAS string-to-sign, list paging and the virtual-host URL style through internals
// (a small page size, a test transport, a stand-in credential) that the API must not depend on; the database tests
// give the data source a stand-in credential the same way.
[assembly: InternalsVisibleTo("FileApi.Tests")]
