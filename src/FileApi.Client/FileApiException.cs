using System.Text;
using System.Text.Json;

namespace FileApi.Client;

/// <summary>
/// Every failure of a <see cref="FileApiClient"/> call: the API's problem+json answer (status, type, title,
/// detail and its extension members), a blob storage error, or a network failure (<see cref="Status"/> 0).
/// </summary>
public class FileApiException : Exception
{
    /// <summary>The HTTP status, or 0 when no answer came (network failure).</summary>
    public int Status { get; }

    /// <summary>The problem type, e.g. <c>urn:fileapi:problem:file-not-found</c>; see <see cref="FileApiProblemTypes"/>.</summary>
    public string? Type { get; }

    /// <summary>A short, human-readable summary.</summary>
    public string? Title { get; }

    /// <summary>A human-readable explanation of this occurrence.</summary>
    public string? Detail { get; }

    /// <summary>Extension members of the problem, e.g. <c>permitted_roles</c>, <c>your_role</c>, <c>reason</c>, <c>trace_id</c>.</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; }

    /// <summary>The <c>Retry-After</c> the answer carried, if any.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Creates an exception from its parts (for tests and mocks).</summary>
    public FileApiException(int status, string? type, string? title, string? detail,
        IReadOnlyDictionary<string, JsonElement>? extensions = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(FormatMessage(status, type, title, detail), innerException)
    {
        Status = status;
        Type = type;
        Title = title;
        Detail = detail;
        Extensions = extensions ?? new Dictionary<string, JsonElement>();
        RetryAfter = retryAfter;
    }

    static string FormatMessage(int status, string? type, string? title, string? detail)
    {
        // "File not found. There is no file a.txt in this workspace. (404 urn:fileapi:problem:file-not-found)"
        var message = new StringBuilder();
        foreach (var part in new[] { title, detail })
        {
            if (string.IsNullOrWhiteSpace(part))
                continue;
            if (message.Length > 0)
                message.Append(message[^1] is '.' or '!' or '?' ? " " : ": ");
            message.Append(part.Trim());
        }
        if (message.Length == 0)
            message.Append(status == 0 ? "No answer." : "The request failed.");
        message.Append(" (").Append(status == 0 ? "no answer" : status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (type is not null)
            message.Append(' ').Append(type);
        return message.Append(')').ToString();
    }

    internal static async Task<FileApiException> FromResponseAsync(HttpResponseMessage response, string? defaultType, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfterOf(response);
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            body = "";
        }

        if (response.Content.Headers.ContentType?.MediaType is { } mediaType && mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase) && body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    string? type = null, title = null, detail = null;
                    var extensions = new Dictionary<string, JsonElement>();
                    foreach (var property in document.RootElement.EnumerateObject())
                    {
                        switch (property.Name)
                        {
                            case "type": type = property.Value.ToString(); break;
                            case "title": title = property.Value.ToString(); break;
                            case "detail": detail = property.Value.ToString(); break;
                            case "status": break;
                            default: extensions[property.Name] = property.Value.Clone(); break;
                        }
                    }
                    return new FileApiException(status, type ?? defaultType, title ?? response.ReasonPhrase, detail, extensions, retryAfter);
                }
            }
            catch (JsonException)
            {
                // Not the problem+json it claims to be: fall through and keep the text.
            }
        }

        // Blob storage answers with XML and names the error in x-ms-error-code.
        var storageCode = response.Headers.TryGetValues("x-ms-error-code", out var codes) ? codes.FirstOrDefault() : null;
        var storageExtensions = new Dictionary<string, JsonElement>();
        if (storageCode is not null)
            storageExtensions["storage_error_code"] = JsonSerializer.SerializeToElement(storageCode, FileApiJsonContext.Default.String);
        var text = body.Length > 500 ? body[..500] + "…" : body;
        return new FileApiException(status, storageCode is null ? defaultType : FileApiProblemTypes.StorageError,
            storageCode ?? response.ReasonPhrase, string.IsNullOrWhiteSpace(text) ? null : text.Trim(), storageExtensions, retryAfter);
    }

    internal static FileApiException Network(Exception exception) =>
        new(0, FileApiProblemTypes.NetworkError, "The service could not be reached.", exception.Message, innerException: exception);

    internal static TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };
}

/// <summary>Problem types a caller may switch on. The API's are listed in its README; the client adds the <c>urn:fileapi:client:</c> ones.</summary>
public static class FileApiProblemTypes
{
    const string Prefix = "urn:fileapi:problem:";

    public const string InvalidPath = Prefix + "invalid-path";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string Forbidden = Prefix + "forbidden";
    public const string WorkspaceNotFound = Prefix + "workspace-not-found";
    public const string FileNotFound = Prefix + "file-not-found";
    public const string FileDeleted = Prefix + "file-deleted";
    public const string VersionNotFound = Prefix + "version-not-found";
    public const string VersionNotReady = Prefix + "version-not-ready";
    public const string VersionNotCommitted = Prefix + "version-not-committed";
    public const string VersionFailed = Prefix + "version-failed";
    public const string VersionNotUploading = Prefix + "version-not-uploading";
    public const string FileTooLarge = Prefix + "file-too-large";
    public const string QuotaExceeded = Prefix + "quota-exceeded";
    public const string InvalidQuota = Prefix + "invalid-quota";
    public const string LastOwner = Prefix + "last-owner";
    public const string RateLimited = Prefix + "rate-limited";

    /// <summary>The API has no such route (an older server).</summary>
    public const string RouteNotFound = Prefix + "not-found";

    /// <summary>Blob storage refused a request; <c>Extensions["storage_error_code"]</c> has its code.</summary>
    public const string StorageError = "urn:fileapi:client:storage-error";

    /// <summary>No answer: connection refused, reset or timed out (<see cref="FileApiException.Status"/> is 0).</summary>
    public const string NetworkError = "urn:fileapi:client:network-error";

    /// <summary>The upload was committed but the version did not become ready within <see cref="FileApiClientOptions.ReadinessTimeout"/>.</summary>
    public const string ReadinessTimeout = "urn:fileapi:client:readiness-timeout";
}
