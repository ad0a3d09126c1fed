using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FileApi.Http;

/// <summary>
/// Every error the API returns is problem+json with one of these stable types; clients may switch on them.
/// The README lists them.
/// </summary>
public static class Problems
{
    const string Prefix = "urn:fileapi:problem:";

    public const string InvalidPath = Prefix + "invalid-path";
    public const string InvalidId = Prefix + "invalid-id";
    public const string InvalidQuery = Prefix + "invalid-query";
    public const string WorkspaceNotFound = Prefix + "workspace-not-found";
    public const string FileNotFound = Prefix + "file-not-found";
    public const string VersionNotFound = Prefix + "version-not-found";
    public const string VersionNotReady = Prefix + "version-not-ready";
    public const string VersionFailed = Prefix + "version-failed";
    public const string VersionNotUploading = Prefix + "version-not-uploading";
    public const string VersionNotCommitted = Prefix + "version-not-committed";
    public const string VersionContentChanged = Prefix + "version-content-changed";
    public const string FileDeleted = Prefix + "file-deleted";
    public const string FileTooLarge = Prefix + "file-too-large";
    public const string RestoreConflict = Prefix + "restore-conflict";
    public const string PathConflict = Prefix + "path-conflict";
    public const string InvalidEvent = Prefix + "invalid-event";
    public const string InvalidBody = Prefix + "invalid-body";
    public const string InvalidContentType = Prefix + "invalid-content-type";
    public const string InvalidMetadata = Prefix + "invalid-metadata";
    public const string InvalidRequest = Prefix + "invalid-request";
    public const string OrganizationNotFound = Prefix + "organization-not-found";
    public const string MemberNotFound = Prefix + "member-not-found";
    public const string LastOwner = Prefix + "last-owner";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string Forbidden = Prefix + "forbidden";
    public const string RouteNotFound = Prefix + "not-found";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string RateLimited = Prefix + "rate-limited";
    public const string StorageUnavailable = Prefix + "storage-unavailable";
    public const string DatabaseUnavailable = Prefix + "database-unavailable";
    public const string BodyTooLarge = Prefix + "body-too-large";
    public const string TooManyWaits = Prefix + "too-many-waits";
    public const string WaitsUnavailable = Prefix + "waits-unavailable";
    public const string Internal = Prefix + "internal";
    public const string InvalidUrl = Prefix + "invalid-url";
    public const string WebhookNotFound = Prefix + "webhook-not-found";
    public const string WebhookLimit = Prefix + "webhook-limit";
    public const string QuotaExceeded = Prefix + "quota-exceeded";
    public const string InvalidQuota = Prefix + "invalid-quota";

    public static ProblemHttpResult BadRequest(string type, string title, string detail) => Create(StatusCodes.Status400BadRequest, type, title, detail);

    public static ProblemHttpResult NotFound(string type, string title, string detail) => Create(StatusCodes.Status404NotFound, type, title, detail);

    public static ProblemHttpResult Create(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Type = type,
            Title = title,
            Detail = detail,
            Extensions = extensions ?? new Dictionary<string, object?>(),
        });

    /// <summary>Problem details for responses the framework produces itself (404 for unknown routes, 405, 500...).</summary>
    public static IServiceCollection AddFileApiProblemDetails(this IServiceCollection services)
    {
        // Binding failures throw in every environment (not only Development), so KnownFailures answers each one
        // with the same problem body instead of a bare 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddExceptionHandler<KnownFailures>();
        return services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Type is not null && problem.Type.StartsWith(Prefix, StringComparison.Ordinal))
                return;
            (problem.Type, problem.Title) = problem.Status switch
            {
                StatusCodes.Status400BadRequest => (InvalidRequest, "The request is not valid."),
                StatusCodes.Status401Unauthorized => (Unauthorized, "Authentication is required."),
                StatusCodes.Status403Forbidden => (Forbidden, "You do not have permission for this."),
                StatusCodes.Status404NotFound => (RouteNotFound, "Nothing is here."),
                StatusCodes.Status405MethodNotAllowed => (MethodNotAllowed, "That method is not allowed here."),
                StatusCodes.Status413PayloadTooLarge => (BodyTooLarge, "The request body is too large."),
                StatusCodes.Status415UnsupportedMediaType => (InvalidRequest, "The request's content type is not supported."),
                StatusCodes.Status429TooManyRequests => (RateLimited, "Too many requests."),
                _ => (Internal, "Something went wrong on our side."),
            };
            problem.Extensions.Remove("exception");
            problem.Extensions["trace_id"] = System.Diagnostics.Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        });
    }
}
