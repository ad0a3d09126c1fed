using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace FileApi.Storage;

/// <summary>
/// Signs each request with the account key ("Authorize with Shared Key", version 2015-02-21 and later).
/// Runs per retry, after every policy that adds headers, so a retried request gets a fresh x-ms-date.
/// </summary>
internal sealed class SharedKeyPolicy(string accountName, byte[] accountKey) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        var signature = HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(StringToSign(request)));
        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{Convert.ToBase64String(signature)}");
    }

    internal string StringToSign(Request request)
    {
        var sb = new StringBuilder();
        sb.Append(request.Method.Method).Append('\n');
        sb.Append(Header(request, "Content-Encoding")).Append('\n');
        sb.Append(Header(request, "Content-Language")).Append('\n');
        sb.Append(ContentLength(request)).Append('\n');
        sb.Append(Header(request, "Content-MD5")).Append('\n');
        sb.Append(Header(request, "Content-Type")).Append('\n');
        sb.Append('\n'); // Date: x-ms-date is signed instead, among the canonicalized headers.
        sb.Append(Header(request, "If-Modified-Since")).Append('\n');
        sb.Append(Header(request, "If-Match")).Append('\n');
        sb.Append(Header(request, "If-None-Match")).Append('\n');
        sb.Append(Header(request, "If-Unmodified-Since")).Append('\n');
        sb.Append(Header(request, "Range")).Append('\n');

        foreach (var header in request.Headers
                     .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Name.ToLowerInvariant(), Value: h.Value.Trim()))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
            sb.Append(header.Name).Append(':').Append(header.Value).Append('\n');

        // The service canonicalizes the path exactly as sent (still percent-encoded); for a path-style emulator
        // URL that path starts with the account again: /account/account/container/blob.
        var uri = request.Uri.ToUri();
        sb.Append('/').Append(accountName).Append(uri.AbsolutePath);
        foreach (var parameter in QueryParameters(uri.Query)
                     .GroupBy(p => p.Name.ToLowerInvariant())
                     .OrderBy(g => g.Key, StringComparer.Ordinal))
            sb.Append('\n').Append(parameter.Key).Append(':')
              .Append(string.Join(',', parameter.Select(p => p.Value).Order(StringComparer.Ordinal)));
        return sb.ToString();
    }

    private static string Header(Request request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value : "";

    // HttpClient writes Content-Length from the body, so the header is usually absent here; a zero length is
    // signed as empty.
    private static string ContentLength(Request request)
    {
        if (request.Headers.TryGetValue("Content-Length", out var header))
            return header == "0" ? "" : header;
        return request.Content is not null && request.Content.TryComputeLength(out var length) && length > 0
            ? length.ToString(CultureInfo.InvariantCulture)
            : "";
    }

    private static IEnumerable<(string Name, string Value)> QueryParameters(string query)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            yield return equals < 0
                ? (Uri.UnescapeDataString(pair), "")
                : (Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..]));
        }
    }
}
