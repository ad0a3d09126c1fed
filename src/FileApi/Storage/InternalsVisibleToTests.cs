using System.Runtime.CompilerServices;

// The storage tests check the SAS string-to-sign, list paging and the virtual-host URL style through internals
// (a small page size, a test transport) that the API must not depend on.
[assembly: InternalsVisibleTo("FileApi.Tests")]
