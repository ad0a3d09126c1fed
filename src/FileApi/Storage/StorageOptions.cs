using System.ComponentModel.DataAnnotations;

namespace FileApi.Storage;

public sealed class StorageOptions : IValidatableObject
{
    public const string SectionName = "Storage";

    /// <summary>
    /// The blob service endpoint: <c>https://acct.blob.core.windows.net</c> in Azure (virtual-host style) or
    /// <c>http://127.0.0.1:10000/devstoreaccount1</c> for Azurite (path style: the account is the first path segment).
    /// </summary>
    [Required]
    public Uri ServiceUri { get; set; } = null!;

    [Required, RegularExpression("^[a-z0-9]{3,24}$", ErrorMessage = "Storage:AccountName must be 3-24 lowercase letters or digits.")]
    public string AccountName { get; set; } = "";

    /// <summary>
    /// Base64 account key (Azurite, key-based accounts). Absent means Entra ID: requests carry the app's token and
    /// links are signed with a user delegation key, as in Azure, where the account allows no shared key.
    /// </summary>
    [Base64String]
    public string? AccountKey { get; set; }

    /// <summary>Client id of the user-assigned managed identity to use without an account key; absent means DefaultAzureCredential.</summary>
    public string? ManagedIdentityClientId { get; set; }

    [Required, RegularExpression("^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Storage:Container is not a valid container name.")]
    public string Container { get; set; } = "files";

    // Seconds are allowed so tests can watch a link expire; 7 days is the longest a user-delegation SAS may live.
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan UploadLinkLifetime { get; set; } = TimeSpan.FromMinutes(30);

    // A client we support refuses to renew a download link younger than 5 minutes, so a shorter lifetime would
    // leave it holding an expired link.
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan DownloadLinkLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Web origins (<c>https://app.example.com</c>) whose pages upload and download straight to blob storage, such as
    /// the browser uploader at <c>/app/</c>. When set, the API writes the blob service's CORS rules at start (they
    /// replace the account's existing rules); empty leaves them alone. The array starts empty because the
    /// configuration binder appends to an array it finds already filled.
    /// </summary>
    public string[] CorsAllowedOrigins { get; set; } = [];

    // A user delegation key lives at most 7 days and a link cannot outlive the key that signed it; this leaves
    // the key a day to be renewed in.
    internal static readonly TimeSpan MaxUserDelegationLinkLifetime = TimeSpan.FromDays(6);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in CorsAllowedOrigins)
        {
            if (!IsOrigin(origin))
                yield return new ValidationResult(
                    $"Storage:CorsAllowedOrigins has '{origin}', which is not an origin: use scheme://host[:port] without a path or trailing slash, or '*'.",
                    [nameof(CorsAllowedOrigins)]);
        }

        if (AccountKey is null && (UploadLinkLifetime > MaxUserDelegationLinkLifetime || DownloadLinkLifetime > MaxUserDelegationLinkLifetime))
            yield return new ValidationResult("Without Storage:AccountKey, links are signed with a user delegation key: Storage:UploadLinkLifetime and Storage:DownloadLinkLifetime must be at most 6 days.",
                [nameof(UploadLinkLifetime), nameof(DownloadLinkLifetime)]);

        if (ServiceUri is null)
            yield break;
        if (!ServiceUri.IsAbsoluteUri || ServiceUri.Scheme is not ("http" or "https") || ServiceUri.Query.Length > 0)
        {
            yield return new ValidationResult("Storage:ServiceUri must be an absolute http(s) URL without a query.", [nameof(ServiceUri)]);
            yield break;
        }
        // Path style is recognised by a path; the service then reads the account from it, so it must be ours.
        var path = ServiceUri.AbsolutePath.Trim('/');
        if (path.Length > 0 && path != AccountName)
            yield return new ValidationResult($"Storage:ServiceUri path must be empty or exactly '/{AccountName}' (path-style emulator URL).", [nameof(ServiceUri)]);
    }

    // The blob service compares the request's Origin header with these strings, so only the exact form a browser sends matches.
    static bool IsOrigin(string origin) =>
        origin == "*"
        || (Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && uri.Scheme is "http" or "https"
            && uri.GetLeftPart(UriPartial.Authority) == origin.ToLowerInvariant()
            && uri.UserInfo.Length == 0);
}
