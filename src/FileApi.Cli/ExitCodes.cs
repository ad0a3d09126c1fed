using FileApi.Client;

namespace FileApi.Cli;

/// <summary>Exit codes scripts can rely on (docs/cli.md lists them).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Bad arguments, missing settings, or a request the API refused as invalid (400).</summary>
    public const int Usage = 1;
    /// <summary>No such file, version, workspace or organisation (404, 410), or no such local file.</summary>
    public const int NotFound = 2;
    /// <summary>Not signed in, token expired or invalid (401), or the role does not allow it (403).</summary>
    public const int Auth = 3;
    /// <summary>A conflict: the version failed verification, is not ready, or the last owner would go (409).</summary>
    public const int Conflict = 4;
    /// <summary>The API or storage could not be reached or failed (network errors, 429, 5xx, readiness timeout).</summary>
    public const int Network = 5;
    /// <summary>A local file could not be read or written.</summary>
    public const int LocalIo = 6;
    /// <summary>Interrupted (Ctrl+C). An interrupted upload resumes when the same command runs again.</summary>
    public const int Cancelled = 130;

    public static int For(FileApiException exception) => exception switch
    {
        { Status: 0 } or { Type: FileApiProblemTypes.StorageError or FileApiProblemTypes.ReadinessTimeout } => Network,
        { Status: 401 or 403 } => Auth,
        { Status: 404 or 410 } => NotFound,
        { Status: 409 } => Conflict,
        { Status: 429 or >= 500 } => Network,
        _ => Usage,
    };
}

/// <summary>A mistake in how the CLI was called or configured; its message says what to do.</summary>
sealed class UsageException(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
