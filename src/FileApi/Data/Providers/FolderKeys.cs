namespace FileApi.Data.Providers;

/// <summary>
/// The stored generated columns of the folder view, as each engine writes them: path_key without its last segment
/// ("a/b/" for "a/b/c.txt", "" for "c.txt"), and on SQL Server that last segment as well (see <see cref="SqlServerFileApiDb"/>).
/// </summary>
public static class FolderKeys
{
    public const string PostgreSql = "regexp_replace(path_key, '[^/]*$', '')";

    // REVERSE(path_key) + '/' always holds a '/', at the last segment's length + 1; LEN of path_key + 'x' counts trailing spaces, which LEN drops.
    public const string SqlServer = "LEFT(path_key, LEN(path_key + 'x') - CHARINDEX('/', REVERSE(path_key) + '/'))";

    public const string SqlServerName = "RIGHT(path_key, CHARINDEX('/', REVERSE(path_key) + '/') - 1)";
}
