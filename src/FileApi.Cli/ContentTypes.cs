using Microsoft.AspNetCore.StaticFiles;

namespace FileApi.Cli;

/// <summary>The media type of a local file from its extension, with ASP.NET Core's own table (the static files middleware's).</summary>
static class ContentTypes
{
    static readonly FileExtensionContentTypeProvider Provider = new();

    /// <summary>Null for an extension the table does not know: the server then serves application/octet-stream.</summary>
    public static string? Guess(string fileName) => Provider.TryGetContentType(fileName, out var contentType) ? contentType : null;
}
