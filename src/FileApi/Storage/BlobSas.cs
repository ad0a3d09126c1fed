using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FileApi.Storage;

/// <summary>What a SAS for one blob grants. Times are signed truncated to whole seconds.</summary>
internal sealed record BlobSasValues(
    string ContainerName,
    string BlobName,
    string Permissions,
    DateTimeOffset StartsOn,
    DateTimeOffset ExpiresOn,
    string Protocol,
    string? VersionId = null,
    string? ContentDisposition = null)
{
    public const string Version = "2025-11-05";

    // "bv" scopes the SAS to one version of the blob; the version id is then signed as the snapshot time.
    public string Resource => VersionId is null ? "b" : "bv";
    public string Start => Format(StartsOn);
    public string Expiry => Format(ExpiresOn);

    internal static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// The string-to-sign of a blob SAS (version 2020-12-06 and later). Service and user delegation SAS differ only
    /// in the fields after the resource name, which the signer gives. The blob name is signed unencoded.
    /// </summary>
    internal string StringToSign(string accountName, IEnumerable<string> signerFields) => string.Join('\n',
    [
        Permissions,
        Start,
        Expiry,
        $"/blob/{accountName}/{ContainerName}/{BlobName}",
        .. signerFields,
        "", // signed IP range: not used
        Protocol,
        Version,
        Resource,
        VersionId ?? "", // signed snapshot time
        "", // signed encryption scope
        "", // rscc
        ContentDisposition ?? "",
        "", // rsce
        "", // rscl
        "", // rsct
    ]);
}

/// <summary>
/// Signs a blob SAS. An account key signs a service SAS; with Entra ID auth a user delegation key signs instead
/// (<see cref="UserDelegationSasSigner"/>), adding its own skoid/sktid/skt/ske/sks/skv parameters and using its
/// longer string-to-sign.
/// </summary>
internal interface ISasSigner
{
    /// <summary>The query parameters the signer adds to the common ones: its key's identity, if any, and <c>sig</c>.</summary>
    IEnumerable<KeyValuePair<string, string>> Sign(BlobSasValues values);
}

internal sealed class AccountKeySasSigner(string accountName, byte[] accountKey) : ISasSigner
{
    public IEnumerable<KeyValuePair<string, string>> Sign(BlobSasValues values)
    {
        var signature = HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(StringToSign(values)));
        yield return new("sig", Convert.ToBase64String(signature));
    }

    internal string StringToSign(BlobSasValues values) =>
        values.StringToSign(accountName, [""]); // signed identifier (stored access policy): not used
}

/// <summary>Builds SAS URLs that each grant access to exactly one blob (<c>sr=b</c> or <c>sr=bv</c>).</summary>
internal sealed class BlobSasBuilder(ISasSigner signer, string containerName, bool httpsOnly)
{
    // A client or service clock running a few minutes fast must not see a fresh link as not yet valid.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public Uri Create(Uri blobUri, string blobName, string permissions, DateTimeOffset expiresOn,
        string? contentDisposition = null, string? versionId = null) =>
        Create(blobUri, new BlobSasValues(containerName, blobName, permissions, DateTimeOffset.UtcNow - ClockSkew,
            expiresOn, httpsOnly ? "https" : "https,http", versionId, contentDisposition));

    internal Uri Create(Uri blobUri, BlobSasValues values)
    {
        List<KeyValuePair<string, string>> query = [];
        if (values.VersionId is not null)
            query.Add(new("versionid", values.VersionId));
        query.Add(new("sv", BlobSasValues.Version));
        query.Add(new("spr", values.Protocol));
        query.Add(new("st", values.Start));
        query.Add(new("se", values.Expiry));
        query.Add(new("sr", values.Resource));
        query.Add(new("sp", values.Permissions));
        if (values.ContentDisposition is not null)
            query.Add(new("rscd", values.ContentDisposition));
        query.AddRange(signer.Sign(values));
        return new Uri(blobUri.AbsoluteUri + "?" +
            string.Join('&', query.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value))));
    }
}

internal static class ContentDisposition
{
    /// <summary>
    /// <c>attachment; filename="..."; filename*=UTF-8''...</c> (RFC 6266). Browsers use the exact UTF-8 name from
    /// <c>filename*</c>; the quoted name is a fallback for old clients, so anything that is not printable ASCII,
    /// or that needs escaping inside quotes, becomes '_' rather than relying on their quoted-pair handling.
    /// </summary>
    public static string Attachment(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        var fallback = new StringBuilder(fileName.Length);
        foreach (var rune in fileName.EnumerateRunes())
            fallback.Append(rune.Value is >= 0x20 and < 0x7F and not '"' and not '\\' ? (char)rune.Value : '_');
        // EscapeDataString leaves only A-Z a-z 0-9 - . _ ~ unencoded, all of them RFC 5987 attr-chars.
        return $"attachment; filename=\"{fallback}\"; filename*=UTF-8''{Uri.EscapeDataString(fileName)}";
    }
}
