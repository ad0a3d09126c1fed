// Our own code because Azure.Storage.Blobs has no builder for this header: BlobSasBuilder.ContentDisposition takes
// the finished value. (System.Net.Http's ContentDispositionHeaderValue would MIME-encode a non-ASCII "filename",
// which RFC 6266 does not allow; this writes an ASCII fallback plus the exact RFC 5987 "filename*".)
using System.Text;

namespace FileApi.Storage;

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
